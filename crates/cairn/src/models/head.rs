//! What every classifier model shares: cross-entropy loss, L2, decayed learning rate,
//! SGD with the global step, moving averages, accuracy ops.

use super::{ModelConfig, ModelGraph, ModelKind};
use cairn_graph::build::{keys, Variable};
use cairn_graph::{Graph, NodeId, Output, Result};
use cairn_optim::{
    exponential_decay, global_step_variable, l2_regularizer, ExponentialMovingAverage,
    GradientDescent, Optimizer,
};
use cairn_tensor::DType;

/// The logits of a model from its parameters (in the order of `params`).
pub(crate) type Forward<'a> = &'a dyn Fn(&mut Graph, &[Output]) -> Result<Output>;

/// Builds the training graph around `forward`: logits from the trained parameters and,
/// with an EMA, from their shadows; loss = mean sparse softmax cross-entropy of
/// `argmax(y_)` + L2 on `params[i]` for `i` in `l2_on`; SGD with the (decayed) learning
/// rate and `global_step`; the EMA update after it; NoOp `train`; accuracies; `init`.
pub(crate) fn classifier(
    mut g: Graph,
    kind: ModelKind,
    c: &ModelConfig,
    y_: Output,
    params: &[Variable],
    l2_on: &[usize],
    forward: Forward<'_>,
) -> Result<ModelGraph> {
    let reads: Vec<Output> = params.iter().map(|v| v.read).collect();
    let logits = forward(&mut g, &reads)?;
    let global_step = global_step_variable(&mut g)?;
    let mut ema = c
        .ema_decay
        .map(|d| ExponentialMovingAverage::new(d, Some(global_step.read)));
    let avg_logits = match &mut ema {
        Some(ema) => {
            ema.create_shadows(&mut g, params)?;
            let shadows: Vec<Output> = params
                .iter()
                .map(|p| {
                    ema.average(&p.name)
                        .map(|s| s.read)
                        .expect("shadow created above")
                })
                .collect();
            Some(forward(&mut g, &shadows)?)
        }
        None => None,
    };
    let labels = g.argmax("ArgMax", y_, 1)?;
    let xent = g
        .op(
            "SparseSoftmaxCrossEntropyWithLogits",
            "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits",
        )
        .input(logits)
        .input(labels)
        .attr("T", DType::Float32)
        .attr("Tlabels", DType::Int64)
        .finish_output()?;
    let mut loss = g.reduce("Mean", "Mean", xent, &[0], false)?;
    if c.l2 > 0.0 && !l2_on.is_empty() {
        let mut reg: Option<Output> = None;
        for &i in l2_on {
            let r = l2_regularizer(&mut g, c.l2, reads[i])?;
            g.add_to_collection(keys::LOSSES, r.node);
            reg = Some(match reg {
                None => r,
                Some(prev) => g.binary("AddV2", "add", prev, r)?,
            });
        }
        if let Some(reg) = reg {
            loss = g.binary("AddV2", "add", loss, reg)?;
        }
    }
    let lr = if c.lr_decay != 1.0 {
        exponential_decay(
            &mut g,
            c.learning_rate,
            global_step.read,
            c.decay_steps,
            c.lr_decay,
            true,
        )?
    } else {
        g.scalar_f32("learning_rate", c.learning_rate)?
    };
    let train_step = GradientDescent::new(lr).minimize(&mut g, loss, Some(&global_step))?;
    let train = match &mut ema {
        Some(ema) => {
            let update = g.with_control_dependencies(&[train_step], |g| ema.apply(g, params))?;
            g.group("train", &[update])?
        }
        None => g.group("train", &[train_step])?,
    };
    g.add_to_collection(keys::TRAIN_OP, train);
    let accuracy_raw = accuracy(&mut g, "accuracy_raw", logits, y_)?;
    let accuracy = match avg_logits {
        Some(l) => self::accuracy(&mut g, "accuracy", l, y_)?,
        None => accuracy_raw.clone(),
    };
    let init = g.global_variables_initializer()?;
    finish(
        g,
        kind,
        logits,
        loss,
        train,
        init,
        accuracy_raw,
        accuracy,
        lr,
    )
}

/// `accuracy = mean(cast(argmax(logits, 1) == argmax(y_, 1)))` under `scope`.
fn accuracy(g: &mut Graph, scope: &str, logits: Output, labels: Output) -> Result<String> {
    let out = g.scope(scope, |g| {
        let p = g.argmax("ArgMax", logits, 1)?;
        let l = g.argmax("ArgMax_1", labels, 1)?;
        let eq = g.binary("Equal", "Equal", p, l)?;
        let f = g.cast("Cast", eq, DType::Float32)?;
        g.reduce("Mean", "Mean", f, &[0], false)
    })?;
    Ok(g.output_name(out))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    g: Graph,
    kind: ModelKind,
    logits: Output,
    loss: Output,
    train: NodeId,
    init: NodeId,
    accuracy_raw: String,
    accuracy: String,
    lr: Output,
) -> Result<ModelGraph> {
    let variables = g
        .collection(keys::GLOBAL_VARIABLES)
        .iter()
        .map(|&v| g.node(v).name.clone())
        .collect();
    Ok(ModelGraph {
        kind,
        input: "x-input:0".into(),
        labels: "y-input:0".into(),
        logits: g.output_name(logits),
        loss: g.output_name(loss),
        train_op: g.node(train).name.clone(),
        init_op: g.node(init).name.clone(),
        accuracy_raw,
        accuracy,
        learning_rate: g.output_name(lr),
        variables,
        train_feeds: Vec::new(),
        graph: g,
    })
}
