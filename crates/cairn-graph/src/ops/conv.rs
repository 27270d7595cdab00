//! Convolution and pooling ops, NHWC: Conv2D and its two backprops,
//! DepthwiseConv2dNative, MaxPool/MaxPoolGrad, AvgPool/AvgPoolGrad.
//!
//! Window attributes (`strides`, `dilations`, `ksize`, `padding`, `explicit_paddings`,
//! `data_format`) are read once, when the plan builds the kernel.

use super::{def, read_ints, type_t};
use crate::graph::Node;
use crate::registry::{Ctx, Kernel, OpDef};
use crate::{Error, Result};
use cairn_tensor::kernels::{self, Padding, Pool2d, Window2d};
use cairn_tensor::DType;

fn attr_error(node: &Node, attr: &str, what: String) -> Error {
    Error::Attr {
        node: node.name.clone(),
        op: node.op.clone(),
        attr: attr.into(),
        what,
    }
}

/// Refuses anything but NHWC.
pub(crate) fn check_nhwc(node: &Node) -> Result<()> {
    let f = node.attr_str_or("data_format", "NHWC")?;
    if f != "NHWC" {
        return Err(attr_error(
            node,
            "data_format",
            format!("is {f}; cairn supports only NHWC"),
        ));
    }
    Ok(())
}

/// The `[h, w]` entries of a 4-element NHWC list attribute whose N and C entries are 1.
fn hw(node: &Node, attr: &str, default: &[i64]) -> Result<[usize; 2]> {
    let v = node.attr_ints_or(attr, default)?;
    match v[..] {
        [1, h, w, 1] if h > 0 && w > 0 => Ok([h as usize, w as usize]),
        _ => Err(attr_error(
            node,
            attr,
            format!("is {v:?}; expected [1, h, w, 1] with positive h, w"),
        )),
    }
}

/// The sliding window of a conv or pool node.
pub(crate) fn window(node: &Node) -> Result<Window2d> {
    check_nhwc(node)?;
    let p = node.attr_str_or("padding", "VALID")?;
    let padding = match p.as_str() {
        "VALID" => Padding::Valid,
        "SAME" => Padding::Same,
        "EXPLICIT" => {
            let e = node.attr_ints_or("explicit_paddings", &[])?;
            if e.len() != 8
                || e.iter().any(|&v| v < 0)
                || e[0] != 0
                || e[1] != 0
                || e[6] != 0
                || e[7] != 0
            {
                return Err(attr_error(
                    node,
                    "explicit_paddings",
                    format!("is {e:?}; expected 8 non-negative values, zero for N and C"),
                ));
            }
            Padding::Explicit([e[2] as usize, e[3] as usize, e[4] as usize, e[5] as usize])
        }
        other => {
            return Err(attr_error(
                node,
                "padding",
                format!("is '{other}'; expected SAME, VALID or EXPLICIT"),
            ))
        }
    };
    Ok(Window2d {
        strides: hw(node, "strides", &[1, 1, 1, 1])?,
        dilations: hw(node, "dilations", &[1, 1, 1, 1])?,
        padding,
    })
}

fn pool(node: &Node) -> Result<Pool2d> {
    Ok(Pool2d {
        ksize: hw(node, "ksize", &[])?,
        window: window(node)?,
    })
}

#[derive(Clone, Copy)]
enum ConvOp {
    Forward,
    Depthwise,
    BackpropInput,
    BackpropFilter,
}

struct Conv {
    op: ConvOp,
    win: Window2d,
}

impl Kernel for Conv {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let (a, b) = (ctx.input(0)?, ctx.input(1)?);
        let c = if ctx.inputs.len() > 2 {
            Some(ctx.input(2)?)
        } else {
            None
        };
        let c = || c.ok_or_else(|| ctx.node.inputs_err("missing input 2"));
        let out = &mut ctx.outputs[0];
        match self.op {
            ConvOp::Forward => kernels::conv2d(a, b, &self.win, out)?,
            ConvOp::Depthwise => kernels::depthwise_conv2d(a, b, &self.win, out)?,
            ConvOp::BackpropInput => {
                let sizes = read_ints(ctx.node, a)?;
                kernels::conv2d_backprop_input(&sizes, b, c()?, &self.win, out)?
            }
            ConvOp::BackpropFilter => {
                let sizes = read_ints(ctx.node, b)?;
                kernels::conv2d_backprop_filter(a, &sizes, c()?, &self.win, out)?
            }
        }
        Ok(())
    }
}

fn conv_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    let op = match node.op.as_str() {
        "Conv2D" => ConvOp::Forward,
        "DepthwiseConv2dNative" => ConvOp::Depthwise,
        "Conv2DBackpropInput" => ConvOp::BackpropInput,
        _ => ConvOp::BackpropFilter,
    };
    Ok(Box::new(Conv {
        op,
        win: window(node)?,
    }))
}

#[derive(Clone, Copy)]
enum PoolOp {
    Max,
    Avg,
    MaxGrad,
    AvgGrad,
}

struct Pool {
    op: PoolOp,
    pool: Pool2d,
}

impl Kernel for Pool {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let p = &self.pool;
        match self.op {
            PoolOp::Max => kernels::max_pool(x, p, &mut ctx.outputs[0])?,
            PoolOp::Avg => kernels::avg_pool(x, p, &mut ctx.outputs[0])?,
            PoolOp::MaxGrad => kernels::max_pool_grad(x, ctx.input(2)?, p, &mut ctx.outputs[0])?,
            PoolOp::AvgGrad => {
                let shape = read_ints(ctx.node, x)?;
                kernels::avg_pool_grad(&shape, ctx.input(1)?, p, &mut ctx.outputs[0])?
            }
        }
        Ok(())
    }
}

fn pool_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    let op = match node.op.as_str() {
        "MaxPool" => PoolOp::Max,
        "AvgPool" => PoolOp::Avg,
        "MaxPoolGrad" => PoolOp::MaxGrad,
        _ => PoolOp::AvgGrad,
    };
    let pool = pool(node)?;
    if pool.window.dilations != [1, 1] {
        return Err(attr_error(
            node,
            "dilations",
            "must be 1 for pooling".into(),
        ));
    }
    Ok(Box::new(Pool { op, pool }))
}

/// `ShapeN`: the shapes of N inputs (TensorFlow's convolution gradients use it).
fn shape_n(ctx: &mut Ctx<'_>) -> Result<()> {
    let dt = super::type_attr_or(ctx.node, "out_type", DType::Int32)?[0];
    for i in 0..ctx.inputs.len() {
        let dims: Vec<i64> = ctx.input(i)?.dims().iter().map(|&d| d as i64).collect();
        let out = ctx
            .outputs
            .get_mut(i)
            .ok_or_else(|| ctx.node.inputs_err(format!("no output {i}")))?;
        super::write_ints(out, dt, &[dims.len()], &dims)?;
    }
    Ok(())
}

fn type_shape_n(node: &Node, inputs: &[DType]) -> Result<Vec<DType>> {
    let dt = super::type_attr_or(node, "out_type", DType::Int32)?[0];
    let n = node.attr_int_or("N", inputs.len() as i64)?;
    Ok(vec![dt; n.max(0) as usize])
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![
        def("ShapeN", type_shape_n, |_| super::boxed(shape_n)),
        def("Conv2D", type_t, conv_kernel),
        def("DepthwiseConv2dNative", type_t, conv_kernel),
        def("Conv2DBackpropInput", type_t, conv_kernel),
        def("Conv2DBackpropFilter", type_t, conv_kernel),
        def("MaxPool", type_t, pool_kernel),
        def("AvgPool", type_t, pool_kernel),
        def("MaxPoolGrad", type_t, pool_kernel),
        def("AvgPoolGrad", type_t, pool_kernel),
    ]
}
