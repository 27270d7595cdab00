//! Plan-time buffer forwarding: a `Reshape` (or a reduction over no axes) whose input
//! nothing reads afterwards takes that input's buffer instead of copying it.
//!
//! The backward pass of a broadcast `AddV2` is `Reshape(Sum(g, rx), sx)` for each operand;
//! for the operand that was not broadcast `rx` is empty and both ops copy `g` unchanged
//! (the MLP's 100×500 hidden gradient: two 200 KB copies per step). When the forwarding
//! op is the last reader of its input, the session swaps the two buffers instead (the
//! producer gets the old output buffer back for its next run, so nothing is allocated).
//!
//! To make that possible more often, a pure reduction that reads the same input later in
//! the plan (the bias gradient `Sum(g, ry)` next to `Sum(g, [])`) is moved just before
//! the forwarding op when everything it reads is already computed there. Only ops whose
//! result depends on nothing but their inputs are moved, so the plan computes the same
//! values.

use crate::graph::Graph;
use crate::session::{Src, Step};

/// Ops whose kernel can forward (see `Kernel::forwards`).
fn can_forward(op: &str) -> bool {
    matches!(op, "Reshape" | "Sum" | "Mean" | "Max" | "Min" | "Prod")
}

/// Pure ops a forwarding op may be moved after.
fn movable(op: &str) -> bool {
    matches!(op, "Sum" | "Mean" | "Max" | "Min" | "Prod" | "BiasAddGrad")
}

/// Reorders `steps` as described in the module docs and marks the steps that may take
/// their input 0's buffer (`Step::steal`). `fetches` are never taken.
pub(crate) fn plan(graph: &Graph, steps: &mut Vec<Step>, fetches: &[Src]) {
    let mut i = 0;
    while i < steps.len() {
        let candidate = can_forward(&graph.node(steps[i].node).op);
        if let (true, Some(&Src::Value(v))) = (candidate, steps[i].inputs.first()) {
            hoist_other_readers(graph, steps, i, v);
        }
        i += 1;
    }
    // The producer of each value (values computed when the plan was built have none).
    let n_values = steps
        .iter()
        .map(|s| s.out_base + s.n_out)
        .max()
        .unwrap_or(0);
    let mut produced = vec![false; n_values];
    let mut last_read = vec![usize::MAX; n_values];
    for (pos, s) in steps.iter().enumerate() {
        produced[s.out_base..s.out_base + s.n_out].fill(true);
        for src in &s.inputs {
            if let Src::Value(v) = *src {
                if let Some(r) = last_read.get_mut(v) {
                    *r = pos;
                }
            }
        }
    }
    for (pos, s) in steps.iter_mut().enumerate() {
        let Some(&Src::Value(v)) = s.inputs.first() else {
            continue;
        };
        s.steal = can_forward(&graph.node(s.node).op)
            && s.n_out == 1
            && produced.get(v) == Some(&true)
            && last_read.get(v) == Some(&pos)
            && s.inputs.iter().filter(|&&x| x == Src::Value(v)).count() == 1
            && !fetches.contains(&Src::Value(v));
    }
}

/// Moves the later pure readers of value `v` to just before step `at` when all their
/// inputs are computed before `at`.
fn hoist_other_readers(graph: &Graph, steps: &mut Vec<Step>, at: usize, v: usize) {
    let mut at = at;
    let mut j = at + 1;
    while j < steps.len() {
        let reads_v = steps[j].inputs.contains(&Src::Value(v));
        if reads_v && ready_before(graph, steps, j, at) {
            let s = steps.remove(j);
            steps.insert(at, s);
            at += 1;
        }
        j += 1;
    }
}

/// Whether step `j` is a pure op whose inputs and control dependencies are all computed
/// by steps before `at` (or when the plan was built).
fn ready_before(graph: &Graph, steps: &[Step], j: usize, at: usize) -> bool {
    let s = &steps[j];
    let node = graph.node(s.node);
    if !movable(&node.op) || !s.refs.is_empty() {
        return false;
    }
    let late = &steps[at..j];
    let inputs_ready = s.inputs.iter().all(|src| match *src {
        Src::Value(u) => !late
            .iter()
            .any(|p| (p.out_base..p.out_base + p.n_out).contains(&u)),
        Src::Feed(_) => true,
        // A variable could be assigned in between.
        Src::Var(_) => false,
    });
    inputs_ready && !late.iter().any(|p| node.control_inputs.contains(&p.node))
}

#[cfg(test)]
mod tests {
    use crate::{Graph, Output, PartialShape, Session};
    use cairn_tensor::{DType, Tensor};

    fn reshape(g: &mut Graph, name: &str, x: Output, shape: Output) -> crate::Result<Output> {
        g.op("Reshape", name)
            .input(x)
            .input(shape)
            .infer_t()?
            .attr("Tshape", DType::Int32)
            .finish_output()
    }

    fn input(scale: f32) -> Result<Tensor, Box<dyn std::error::Error>> {
        Ok(Tensor::from_vec(
            [2usize, 3],
            (0..6).map(|i| i as f32 * scale).collect(),
        )?)
    }

    /// `g = x + x`; `Reshape(Sum(g, []), [6])` and the bias-style `Sum(g, [0])`: the
    /// first takes `g`'s buffer (the second is moved before it), across several runs.
    #[test]
    fn forwarded_values_match_copies_across_runs() -> Result<(), Box<dyn std::error::Error>> {
        let mut g = Graph::new();
        let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
        let two = g.binary("AddV2", "g", x, x)?;
        let same = g.reduce("Sum", "same", two, &[], false)?;
        let shape = g.const_i32s("shape", &[6])?;
        let flat = reshape(&mut g, "flat", same, shape)?;
        g.reduce("Sum", "cols", two, &[0], false)?;
        let _ = flat;
        let mut s = Session::new(g);
        for scale in [1.0f32, -2.0, 0.5] {
            let x = input(scale)?;
            let out = s.run(&[("x", &x)], &["flat:0", "cols:0"], &[])?;
            let want: Vec<f32> = (0..6).map(|i| 2.0 * i as f32 * scale).collect();
            assert_eq!(out[0].dims(), &[6]);
            assert_eq!(out[0].as_slice::<f32>()?, want.as_slice());
            let cols: Vec<f32> = (0..3).map(|c| want[c] + want[3 + c]).collect();
            assert_eq!(out[1].as_slice::<f32>()?, cols.as_slice());
        }
        // `same` takes `g` (after `cols` was moved before it), `flat` takes `same`.
        assert_eq!(s.forwarding_steps(), 2);
        Ok(())
    }

    /// A value that is also fetched is copied, never taken.
    #[test]
    fn fetched_inputs_are_not_taken() -> Result<(), Box<dyn std::error::Error>> {
        let mut g = Graph::new();
        let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
        let two = g.binary("AddV2", "g", x, x)?;
        let shape = g.const_i32s("shape", &[3, 2])?;
        reshape(&mut g, "r", two, shape)?;
        let mut s = Session::new(g);
        for scale in [1.0f32, 3.0] {
            let out = s.run(&[("x", &input(scale)?)], &["r:0", "g:0"], &[])?;
            assert_eq!(out[0].dims(), &[3, 2]);
            assert_eq!(out[1].dims(), &[2, 3]);
            assert_eq!(out[0].as_slice::<f32>()?, out[1].as_slice::<f32>()?);
            assert_eq!(out[1].as_slice::<f32>()?[5], 10.0 * scale);
        }
        assert_eq!(s.forwarding_steps(), 0);
        Ok(())
    }

    /// A bad shape still gets `Reshape`'s error, not a silent forward.
    #[test]
    fn bad_reshape_is_an_error() -> Result<(), Box<dyn std::error::Error>> {
        let mut g = Graph::new();
        let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
        let two = g.binary("AddV2", "g", x, x)?;
        let shape = g.const_i32s("shape", &[4])?;
        reshape(&mut g, "r", two, shape)?;
        let mut s = Session::new(g);
        let err = s.run(&[("x", &input(1.0)?)], &["r:0"], &[]);
        assert!(err.is_err());
        Ok(())
    }
}
