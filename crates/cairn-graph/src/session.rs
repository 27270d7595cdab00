//! [`Session`]: runs the part of a graph that the fetches and targets need.

use crate::graph::{Graph, NodeId, Output};
use crate::registry::{self, Alias, Ctx, Kernel, RefVar};
use crate::variables::VariableStore;
use crate::{Error, Result};
use cairn_tensor::Tensor;
use std::collections::HashMap;

/// Where a plan finds a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Src {
    Value(usize),
    Feed(usize),
    Var(usize),
}

pub(crate) struct Step {
    pub(crate) node: NodeId,
    kernel: Box<dyn Kernel>,
    pub(crate) inputs: Vec<Src>,
    pub(crate) refs: Vec<usize>,
    pub(crate) out_base: usize,
    pub(crate) n_out: usize,
    /// Output 0 may take input 0's buffer (see `forwarding`).
    pub(crate) steal: bool,
}

/// An execution plan for one (feeds, fetches, targets) signature, with its buffers.
struct Plan {
    steps: Vec<Step>,
    values: Vec<Tensor>,
    fetches: Vec<Src>,
}

type PlanKey = (Vec<String>, Vec<String>, Vec<String>);

/// Runs a [`Graph`] with a [`VariableStore`]. Plans are built once per signature and
/// keep their output buffers between runs.
pub struct Session {
    graph: Graph,
    vars: VariableStore,
    plans: HashMap<PlanKey, Plan>,
    profile: Option<HashMap<NodeId, (u64, std::time::Duration)>>,
}

impl Session {
    /// A session over `graph` with no variable values yet.
    pub fn new(graph: Graph) -> Session {
        Session {
            graph,
            vars: VariableStore::new(),
            plans: HashMap::new(),
            profile: None,
        }
    }

    /// Starts (or stops, discarding) timing every kernel run.
    pub fn set_profiling(&mut self, on: bool) {
        self.profile = on.then(HashMap::new);
    }

    /// Per node: `(name, op, runs, total time)`, slowest first, since profiling started.
    pub fn profile(&self) -> Vec<(String, String, u64, std::time::Duration)> {
        let mut v: Vec<_> = self
            .profile
            .iter()
            .flatten()
            .map(|(id, (n, d))| {
                let node = self.graph.node(*id);
                (node.name.clone(), node.op.clone(), *n, *d)
            })
            .collect();
        v.sort_by_key(|p| std::cmp::Reverse(p.3));
        v
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The variables.
    pub fn variables(&self) -> &VariableStore {
        &self.vars
    }

    /// The variables, mutably (restoring a checkpoint).
    pub fn variables_mut(&mut self) -> &mut VariableStore {
        &mut self.vars
    }

    /// How many steps of the cached plans may take their input's buffer (for tests).
    #[cfg(test)]
    pub(crate) fn forwarding_steps(&self) -> usize {
        self.plans
            .values()
            .flat_map(|p| &p.steps)
            .filter(|s| s.steal)
            .count()
    }

    /// Runs `targets` (op names) and then returns the `fetches` (tensor names such as
    /// `layer2/add:0`), with `feeds` replacing any tensors of the graph.
    pub fn run(
        &mut self,
        feeds: &[(&str, &Tensor)],
        fetches: &[&str],
        targets: &[&str],
    ) -> Result<Vec<Tensor>> {
        let mut out = Vec::with_capacity(fetches.len());
        self.run_with(feeds, fetches, targets, |ts| {
            out.extend(ts.iter().map(|t| (*t).clone()));
        })?;
        Ok(out)
    }

    /// Like [`Session::run`], but lends the fetched tensors to `f` instead of copying them.
    pub fn run_with(
        &mut self,
        feeds: &[(&str, &Tensor)],
        fetches: &[&str],
        targets: &[&str],
        f: impl FnOnce(&[&Tensor]),
    ) -> Result<()> {
        let key: PlanKey = (
            feeds.iter().map(|(n, _)| n.to_string()).collect(),
            fetches.iter().map(|s| s.to_string()).collect(),
            targets.iter().map(|s| s.to_string()).collect(),
        );
        if !self.plans.contains_key(&key) {
            let plan = build_plan(&self.graph, &mut self.vars, &key)?;
            self.plans.insert(key.clone(), plan);
        }
        let feed_values: Vec<&Tensor> = feeds.iter().map(|(_, t)| *t).collect();
        for ((name, t), o) in feeds.iter().zip(&key.0) {
            let out = self.graph.output_by_name(o)?;
            if let Ok(dt) = self.graph.dtype(out) {
                if dt != t.dtype() {
                    return Err(Error::FeedDType {
                        name: name.to_string(),
                        expected: dt,
                        got: t.dtype(),
                    });
                }
            }
        }
        let plan = self.plans.get_mut(&key).expect("plan inserted above");
        // The plan runs on a thread of the kernels' pool, the others spinning (see
        // `spinning`).
        let (graph, vars, profile) = (&self.graph, &mut self.vars, self.profile.as_mut());
        cairn_tensor::kernels::spinning(|| execute(graph, vars, plan, &feed_values, profile))?;
        let vars = &self.vars;
        let fetched = plan
            .fetches
            .iter()
            .zip(fetches)
            .map(|(src, name)| {
                resolve(*src, &plan.values, &feed_values, vars).ok_or_else(|| {
                    Error::Uninitialized(match src {
                        Src::Var(i) => vars.name_of(*i).to_string(),
                        _ => name.to_string(),
                    })
                })
            })
            .collect::<Result<Vec<_>>>()?;
        f(&fetched);
        Ok(())
    }
}

fn resolve<'a>(
    src: Src,
    values: &'a [Tensor],
    feeds: &[&'a Tensor],
    vars: &'a VariableStore,
) -> Option<&'a Tensor> {
    match src {
        Src::Value(i) => values.get(i),
        Src::Feed(i) => feeds.get(i).copied(),
        Src::Var(i) => vars.value(i),
    }
}

fn execute(
    graph: &Graph,
    vars: &mut VariableStore,
    plan: &mut Plan,
    feeds: &[&Tensor],
    mut profile: Option<&mut HashMap<NodeId, (u64, std::time::Duration)>>,
) -> Result<()> {
    for step in &mut plan.steps {
        let started = profile.as_ref().map(|_| std::time::Instant::now());
        let node = graph.node(step.node);
        let mut refs: Vec<RefVar> = step
            .refs
            .iter()
            .map(|&i| RefVar {
                name: vars.name_of(i).to_string(),
                value: vars.take(i),
            })
            .collect();
        let (before, after) = plan.values.split_at_mut(step.out_base);
        let mut inputs = Vec::with_capacity(step.inputs.len());
        let mut missing = None;
        for src in &step.inputs {
            match resolve(*src, before, feeds, vars) {
                Some(t) => inputs.push(t),
                None => {
                    if let Src::Var(i) = src {
                        missing = Some(vars.name_of(*i).to_string());
                    }
                    break;
                }
            }
        }
        let forward = match (step.steal, &missing, step.inputs.first()) {
            (true, None, Some(&Src::Value(v))) => {
                step.kernel.forwards(node, &inputs).map(|d| (v, d))
            }
            _ => None,
        };
        let result = match (missing, forward) {
            (Some(name), _) => Err(Error::Uninitialized(name)),
            (None, Some((v, dims))) => {
                // Nothing reads input 0 after this step: hand its buffer over.
                drop(inputs);
                std::mem::swap(&mut before[v], &mut after[0]);
                let t = std::mem::take(&mut after[0]);
                t.reshape(dims).map(|t| after[0] = t).map_err(Error::from)
            }
            (None, None) => {
                let mut ctx = Ctx {
                    node,
                    inputs: &inputs,
                    outputs: &mut after[..step.n_out],
                    refs: &mut refs,
                };
                step.kernel.compute(&mut ctx)
            }
        };
        if let (Some(p), Some(t)) = (profile.as_deref_mut(), started) {
            let e = p.entry(step.node).or_default();
            e.0 += 1;
            e.1 += t.elapsed();
        }
        for (r, &i) in refs.into_iter().zip(&step.refs) {
            vars.put(i, r.value);
        }
        result.map_err(|e| match e {
            Error::Tensor(source) => Error::Kernel {
                node: node.name.clone(),
                op: node.op.clone(),
                source,
            },
            other => other,
        })?;
    }
    Ok(())
}

/// Nodes needed for the fetches and targets, dependencies first (post-order DFS, so the
/// order is deterministic), stopping at fed tensors.
fn needed_nodes(
    graph: &Graph,
    roots: &[NodeId],
    fed: &HashMap<Output, usize>,
) -> Result<Vec<NodeId>> {
    let n = graph.len();
    // 0 = unvisited, 1 = on the stack, 2 = done
    let mut state = vec![0u8; n];
    let mut order = Vec::new();
    for &root in roots {
        if state[root.0] != 0 {
            continue;
        }
        let mut stack: Vec<(NodeId, usize)> = vec![(root, 0)];
        state[root.0] = 1;
        while let Some((id, next)) = stack.last_mut() {
            let node = graph.node(*id);
            let deps = node.inputs.len() + node.control_inputs.len();
            if *next < deps {
                let i = *next;
                *next += 1;
                let dep = if i < node.inputs.len() {
                    let o = node.inputs[i];
                    if fed.contains_key(&o) {
                        continue;
                    }
                    o.node
                } else {
                    node.control_inputs[i - node.inputs.len()]
                };
                match state[dep.0] {
                    0 => {
                        state[dep.0] = 1;
                        stack.push((dep, 0));
                    }
                    1 => return Err(Error::Cycle(graph.node(dep).name.clone())),
                    _ => {}
                }
            } else {
                let id = *id;
                state[id.0] = 2;
                order.push(id);
                stack.pop();
            }
        }
    }
    Ok(order)
}

fn build_plan(graph: &Graph, vars: &mut VariableStore, key: &PlanKey) -> Result<Plan> {
    let mut fed = HashMap::new();
    for (i, name) in key.0.iter().enumerate() {
        fed.insert(graph.output_by_name(name)?, i);
    }
    let fetch_outputs = key
        .1
        .iter()
        .map(|n| graph.output_by_name(n))
        .collect::<Result<Vec<_>>>()?;
    let mut roots: Vec<NodeId> = key
        .2
        .iter()
        .map(|n| graph.node_id(n))
        .collect::<Result<Vec<_>>>()?;
    roots.extend(
        fetch_outputs
            .iter()
            .filter(|o| !fed.contains_key(o))
            .map(|o| o.node),
    );
    let order = needed_nodes(graph, &roots, &fed)?;
    let fed_set: std::collections::HashSet<Output> = fed.keys().copied().collect();
    let fetched: std::collections::HashSet<Output> = fetch_outputs.iter().copied().collect();
    let (fused, absorbed) = crate::fusion::find(graph, &order, &fed_set, &fetched);
    let mut folded = crate::const_fold::Folded::new(graph, &order, &fed_set);
    let (mut conv_chains, conv_absorbed) =
        crate::fusion_conv::find(graph, &order, &fed_set, &fetched, &folded);
    let claimed: std::collections::HashSet<NodeId> = conv_absorbed
        .iter()
        .chain(conv_chains.keys())
        .copied()
        .collect();
    let (mut train_fused, train_absorbed) =
        crate::fusion_train::find(graph, &order, &fed_set, &fetched, &claimed, &folded);
    let claimed: std::collections::HashSet<NodeId> = claimed
        .into_iter()
        .chain(train_absorbed.iter().copied())
        .chain(train_fused.keys().copied())
        .chain(absorbed.iter().copied())
        .chain(fused.keys().copied())
        .collect();
    let (mut dense_fused, dense_absorbed) =
        crate::fusion_dense::find(graph, &order, &fed_set, &fetched, &claimed, &folded);
    let mut prefill = Vec::new();

    let mut srcs: HashMap<Output, Src> = fed.iter().map(|(o, i)| (*o, Src::Feed(*i))).collect();
    let mut steps = Vec::new();
    let mut n_values = 0usize;
    for id in order {
        if absorbed.contains(&id)
            || conv_absorbed.contains(&id)
            || train_absorbed.contains(&id)
            || dense_absorbed.contains(&id)
        {
            continue;
        }
        let node = graph.node(id);
        let def = registry::lookup(&node.op).ok_or_else(|| Error::UnknownOp {
            node: node.name.clone(),
            op: node.op.clone(),
        })?;
        let n_out = node.output_types.as_ref().map_or(1, |t| t.len());
        if folded.is_folded(id) {
            // Computed when the plan was built: served from the plan's values, never run.
            for index in 0..n_out {
                let o = Output { node: id, index };
                srcs.entry(o).or_insert(Src::Value(n_values + index));
                prefill.extend(folded.take(o).map(|t| (n_values + index, t)));
            }
            n_values += n_out;
            continue;
        }
        let Some(make) = def.kernel else {
            // Variables: the session serves their values from the store.
            let name = node.attr_str_or("shared_name", "")?;
            let name = if name.is_empty() {
                node.name.clone()
            } else {
                name
            };
            srcs.insert(Output { node: id, index: 0 }, Src::Var(vars.slot(&name)));
            continue;
        };
        let src_of = |o: &Output| -> Result<Src> {
            srcs.get(o).copied().ok_or_else(|| {
                node.inputs_err(format!("input {} was not computed", graph.output_name(*o)))
            })
        };
        if let Some(f) = train_fused.remove(&id) {
            let inputs = f.inputs().iter().map(src_of).collect::<Result<Vec<_>>>()?;
            for k in 0..n_out {
                srcs.insert(Output { node: id, index: k }, Src::Value(n_values + k));
            }
            steps.push(Step {
                node: id,
                kernel: Box::new(f),
                inputs,
                refs: vec![],
                out_base: n_values,
                n_out,
                steal: false,
            });
            n_values += n_out;
            continue;
        }
        if let Some(f) = dense_fused.remove(&id) {
            let inputs = f.inputs().iter().map(src_of).collect::<Result<Vec<_>>>()?;
            srcs.insert(Output { node: id, index: 0 }, Src::Value(n_values));
            // The absorbed `Shape` ops' values are the fused kernel's outputs 1.. .
            for (i, (shape, _)) in f.shapes.iter().enumerate() {
                let o = Output {
                    node: *shape,
                    index: 0,
                };
                srcs.insert(o, Src::Value(n_values + 1 + i));
            }
            let n_out = 1 + f.shapes.len();
            steps.push(Step {
                node: id,
                kernel: Box::new(crate::fusion_dense::DenseReluKernel::new(f)),
                inputs,
                refs: vec![],
                out_base: n_values,
                n_out,
                steal: false,
            });
            n_values += n_out;
            continue;
        }
        if let Some(chain) = conv_chains.remove(&id) {
            let input = src_of(&chain.input())?;
            for k in 0..n_out {
                srcs.insert(Output { node: id, index: k }, Src::Value(n_values + k));
            }
            steps.push(Step {
                node: id,
                kernel: Box::new(chain),
                inputs: vec![input],
                refs: vec![],
                out_base: n_values,
                n_out,
                steal: false,
            });
            n_values += n_out;
            continue;
        }
        let mut inputs = Vec::new();
        let mut refs = Vec::new();
        if let Some(f) = fused.get(&id) {
            let v = src_of(&node.inputs[0])?;
            let Src::Var(v) = v else {
                return Err(node.inputs_err("input 0 must be a variable"));
            };
            for o in f.inputs() {
                inputs.push(src_of(&o)?);
            }
            srcs.insert(Output { node: id, index: 0 }, Src::Var(v));
            steps.push(Step {
                node: id,
                kernel: Box::new(crate::fusion::FusedKernel(f.clone(), Tensor::default())),
                inputs,
                refs: vec![v],
                out_base: n_values,
                n_out: 0,
                steal: false,
            });
            continue;
        }
        for (i, o) in node.inputs.iter().enumerate() {
            let src = src_of(o)?;
            if def.ref_inputs.contains(&i) {
                match src {
                    Src::Var(v) => refs.push(v),
                    _ => {
                        return Err(node.inputs_err(format!(
                            "input {i} must be a variable (a ref), got {}",
                            graph.output_name(*o)
                        )))
                    }
                }
            } else {
                inputs.push(src);
            }
        }
        match def.alias {
            Alias::Forward => {
                let src = src_of(
                    node.inputs
                        .first()
                        .ok_or_else(|| node.inputs_err("needs an input"))?,
                )?;
                srcs.insert(Output { node: id, index: 0 }, src);
                continue;
            }
            Alias::Ref => {
                let v = *refs
                    .first()
                    .ok_or_else(|| node.inputs_err("needs a ref input"))?;
                srcs.insert(Output { node: id, index: 0 }, Src::Var(v));
            }
            Alias::None => {}
        }
        for k in 0..n_out {
            srcs.entry(Output { node: id, index: k })
                .or_insert(Src::Value(n_values + k));
        }
        steps.push(Step {
            node: id,
            kernel: make(node)?,
            inputs,
            refs,
            out_base: n_values,
            n_out,
            steal: false,
        });
        n_values += n_out;
    }
    let fetches = fetch_outputs
        .iter()
        .map(|o| {
            srcs.get(o).copied().ok_or_else(|| Error::BadTensorName {
                name: graph.output_name(*o),
                what: "is not computed by this plan".into(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Folded values that only fed other folded values or absorbed nodes are dropped.
    let mut values = vec![Tensor::default(); n_values];
    let used: std::collections::HashSet<Src> = steps
        .iter()
        .flat_map(|s| s.inputs.iter().copied())
        .chain(fetches.iter().copied())
        .collect();
    for (i, t) in prefill {
        if used.contains(&Src::Value(i)) {
            values[i] = t;
        }
    }
    // So are `Const`s read only by folded or absorbed nodes (a folded filter is held by
    // its chain): running them would only copy their values into unused buffers.
    steps.retain(|s| {
        graph.node(s.node).op != "Const"
            || (s.out_base..s.out_base + s.n_out).any(|i| used.contains(&Src::Value(i)))
    });
    crate::forwarding::plan(graph, &mut steps, &fetches);
    Ok(Plan {
        steps,
        values,
        fetches,
    })
}
