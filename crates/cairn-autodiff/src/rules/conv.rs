//! Gradients of convolution, pooling and padding (TensorFlow's `nn_grad.py`):
//!
//! - `Conv2D(x, w)`: `dx = Conv2DBackpropInput(Shape(x), w, dy)`,
//!   `dw = Conv2DBackpropFilter(x, Shape(w), dy)`, same window attributes;
//! - `MaxPool(x) = y`: `dx = MaxPoolGrad(x, y, dy)`;
//! - `AvgPool(x)`: `dx = AvgPoolGrad(Shape(x), dy)`.

use super::{dy0, input, shape, GradFn};
use cairn_graph::{Graph, NodeId, Output, Result};

pub(super) fn lookup(op: &str) -> Option<GradFn> {
    Some(match op {
        "Conv2D" => conv2d,
        "MaxPool" => max_pool,
        "AvgPool" => avg_pool,
        _ => return None,
    })
}

/// Window attributes copied from the forward node.
const WINDOW_ATTRS: [&str; 7] = [
    "strides",
    "dilations",
    "padding",
    "explicit_paddings",
    "data_format",
    "ksize",
    "use_cudnn_on_gpu",
];

fn with_window(
    g: &mut Graph,
    n: NodeId,
    op: &str,
    name: &str,
    inputs: &[Output],
) -> Result<Output> {
    let attrs: Vec<_> = WINDOW_ATTRS
        .iter()
        .filter_map(|a| g.node(n).attrs.get(*a).map(|v| (*a, v.clone())))
        .collect();
    let t = g.node(n).attr_type("T")?;
    let mut b = g.op(op, name).inputs(inputs).attr("T", t);
    for (a, v) in attrs {
        b = b.attr(a, v);
    }
    b.finish_output()
}

// y = conv(x, w) is linear in each argument; its adjoints are the two backprops.
fn conv2d(g: &mut Graph, n: NodeId, dys: &[Option<Output>]) -> Result<Vec<Option<Output>>> {
    let d = dy0(g, n, dys)?;
    let (x, w) = (input(g, n, 0)?, input(g, n, 1)?);
    let sx = shape(g, "Shape", x)?;
    let sw = shape(g, "Shape_1", w)?;
    let dx = with_window(
        g,
        n,
        "Conv2DBackpropInput",
        "Conv2DBackpropInput",
        &[sx, w, d],
    )?;
    let dw = with_window(
        g,
        n,
        "Conv2DBackpropFilter",
        "Conv2DBackpropFilter",
        &[x, sw, d],
    )?;
    Ok(vec![Some(dx), Some(dw)])
}

// dy flows to the first maximum of each window
fn max_pool(g: &mut Graph, n: NodeId, dys: &[Option<Output>]) -> Result<Vec<Option<Output>>> {
    let d = dy0(g, n, dys)?;
    let x = input(g, n, 0)?;
    let y = Output { node: n, index: 0 };
    let dx = with_window(g, n, "MaxPoolGrad", "MaxPoolGrad", &[x, y, d])?;
    Ok(vec![Some(dx)])
}

// dy / count spread over each window's valid elements
fn avg_pool(g: &mut Graph, n: NodeId, dys: &[Option<Output>]) -> Result<Vec<Option<Output>>> {
    let d = dy0(g, n, dys)?;
    let x = input(g, n, 0)?;
    let sx = shape(g, "Shape", x)?;
    let dx = with_window(g, n, "AvgPoolGrad", "AvgPoolGrad", &[sx, d])?;
    Ok(vec![Some(dx)])
}
