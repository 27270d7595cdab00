//! Gradient rules, one per op type, emitted as graph nodes. A rule receives the graph,
//! the forward node and the gradients of its outputs, and returns one gradient per data
//! input (`None` where the input is not differentiable).

use cairn_graph::{Graph, NodeId, Output, Result};
use cairn_tensor::{DType, Tensor};

mod array;
mod conv;
mod math;
mod nn;

/// A gradient rule.
pub type GradFn = fn(&mut Graph, NodeId, &[Option<Output>]) -> Result<Vec<Option<Output>>>;

/// The rule for op type `op`.
pub fn lookup(op: &str) -> Option<GradFn> {
    math::lookup(op)
        .or_else(|| nn::lookup(op))
        .or_else(|| array::lookup(op))
        .or_else(|| conv::lookup(op))
}

/// Gradient of output 0, or an error if absent (rules are called only when some output
/// has a gradient; single-output ops therefore always have it).
pub(crate) fn dy0(g: &Graph, node: NodeId, dys: &[Option<Output>]) -> Result<Output> {
    dys.first()
        .copied()
        .flatten()
        .ok_or_else(|| cairn_graph::Error::Type {
            node: g.node(node).name.clone(),
            what: "missing output gradient".into(),
        })
}

/// The forward node's input `i`.
pub(crate) fn input(g: &Graph, node: NodeId, i: usize) -> Result<Output> {
    let n = g.node(node);
    n.inputs
        .get(i)
        .copied()
        .ok_or_else(|| n.inputs_err(format!("missing input {i}")))
}

/// A scalar constant of a float dtype.
pub(crate) fn scalar(g: &mut Graph, name: &str, dt: DType, v: f64) -> Result<Output> {
    let t = match dt {
        DType::Float64 => Tensor::scalar(v),
        _ => Tensor::scalar(v as f32),
    };
    g.constant(name, t)
}

/// `Shape(x)` as int32.
pub(crate) fn shape(g: &mut Graph, name: &str, x: Output) -> Result<Output> {
    g.op("Shape", name)
        .input(x)
        .infer_t()?
        .attr("out_type", DType::Int32)
        .finish_output()
}

/// `Reshape(x, shape)`.
pub(crate) fn reshape(g: &mut Graph, name: &str, x: Output, shape: Output) -> Result<Output> {
    g.op("Reshape", name)
        .input(x)
        .input(shape)
        .infer_t()?
        .attr("Tshape", DType::Int32)
        .finish_output()
}

/// Reduces the full-shape gradients `gx`, `gy` of a broadcasting binary op back to the
/// shapes of its inputs `x`, `y` (TensorFlow's `BroadcastGradientArgs` + `Sum` +
/// `Reshape`); skipped when both shapes are statically equal.
pub(crate) fn unbroadcast(
    g: &mut Graph,
    x: Output,
    gx: Option<Output>,
    y: Output,
    gy: Option<Output>,
) -> Result<Vec<Option<Output>>> {
    if crate::shape::same_known_shape(g, x, y) {
        return Ok(vec![gx, gy]);
    }
    let sx = shape(g, "Shape", x)?;
    let sy = shape(g, "Shape_1", y)?;
    let bga = g
        .op("BroadcastGradientArgs", "BroadcastGradientArgs")
        .input(sx)
        .input(sy)
        .attr("T", DType::Int32)
        .finish()?;
    let rx = Output {
        node: bga,
        index: 0,
    };
    let ry = Output {
        node: bga,
        index: 1,
    };
    let mut out = Vec::new();
    for (i, (d, r, s)) in [(gx, rx, sx), (gy, ry, sy)].into_iter().enumerate() {
        out.push(match d {
            None => None,
            Some(d) => {
                let suffix = if i == 0 { "" } else { "_1" };
                let sum = g.reduce_dyn("Sum", &format!("Sum{suffix}"), d, r, false)?;
                Some(reshape(g, &format!("Reshape{suffix}"), sum, s)?)
            }
        });
    }
    Ok(out)
}
