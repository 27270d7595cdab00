//! Inference batch normalization (`FusedBatchNorm`, `FusedBatchNormV2`, `FusedBatchNormV3`,
//! `BatchNormWithGlobalNormalization`) and padding (`Pad`, `PadV2`, `MirrorPad`).

use super::conv::check_nhwc;
use super::{def, read_ints, type_t};
use crate::graph::Node;
use crate::registry::{Ctx, Kernel, OpDef};
use crate::{Error, Result};
use cairn_tensor::kernels::{self, PadMode};
use cairn_tensor::{DType, Tensor};

struct FusedBatchNorm {
    epsilon: f32,
}

impl Kernel for FusedBatchNorm {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let [x, scale, offset, mean, var] = [0, 1, 2, 3, 4].map(|i| ctx.input(i));
        let (mean, var) = (mean?, var?);
        kernels::fused_batch_norm_inference(
            x?,
            scale?,
            offset?,
            mean,
            var,
            self.epsilon,
            &mut ctx.outputs[0],
        )?;
        // Inference: batch_mean/variance and reserve spaces echo the given statistics;
        // V3's reserve_space_3 is empty.
        for (i, src) in [mean, var, mean, var].into_iter().enumerate() {
            if let Some(o) = ctx.outputs.get_mut(i + 1) {
                o.copy_reshaped_from(src, src.dims())?;
            }
        }
        if let Some(o) = ctx.outputs.get_mut(5) {
            o.reset(mean.dtype(), &[0])?;
        }
        Ok(())
    }
}

fn fused_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    check_nhwc(node)?;
    if node.attr_bool_or("is_training", true)? {
        return Err(Error::Attr {
            node: node.name.clone(),
            op: node.op.clone(),
            attr: "is_training".into(),
            what: "is true; cairn implements batch normalization for inference only".into(),
        });
    }
    Ok(Box::new(FusedBatchNorm {
        epsilon: node.attr_float_or("epsilon", 1e-4)?,
    }))
}

/// `y` of `T`, then `n` outputs of `U` (V2/V3) or `T` (V1).
fn type_bn(node: &Node, n: usize) -> Result<Vec<DType>> {
    let t = node.attr_type("T")?;
    let u = if node.attrs.contains_key("U") {
        node.attr_type("U")?
    } else {
        t
    };
    let mut v = vec![t];
    v.extend(std::iter::repeat_n(u, n));
    Ok(v)
}

struct GlobalNorm {
    epsilon: f32,
    scale_after: bool,
}

impl Kernel for GlobalNorm {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let i = |k| ctx.input(k);
        kernels::batch_norm_global(
            i(0)?,
            i(1)?,
            i(2)?,
            i(3)?,
            i(4)?,
            self.epsilon,
            self.scale_after,
            &mut ctx.outputs[0],
        )?;
        Ok(())
    }
}

fn global_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(GlobalNorm {
        epsilon: node.attr_float_or("variance_epsilon", 1e-3)?,
        scale_after: node.attr_bool_or("scale_after_normalization", true)?,
    }))
}

struct Pad {
    mode: PadMode,
}

impl Kernel for Pad {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let p = read_ints(ctx.node, ctx.input(1)?)?;
        if p.len() != 2 * x.rank() || p.iter().any(|&v| v < 0) {
            return Err(ctx.node.inputs_err(format!(
                "paddings {p:?} must be {} non-negative pairs for input shape {:?}",
                x.rank(),
                x.dims()
            )));
        }
        let pairs: Vec<(usize, usize)> = p
            .chunks(2)
            .map(|c| (c[0] as usize, c[1] as usize))
            .collect();
        let value: Option<&Tensor> = if ctx.node.op == "PadV2" {
            Some(ctx.input(2)?)
        } else {
            None
        };
        kernels::pad(x, &pairs, self.mode, value, &mut ctx.outputs[0])?;
        Ok(())
    }
}

fn pad_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    let mode = if node.op == "MirrorPad" {
        match node.attr_str_or("mode", "")?.as_str() {
            "REFLECT" => PadMode::Reflect,
            "SYMMETRIC" => PadMode::Symmetric,
            m => {
                return Err(Error::Attr {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    attr: "mode".into(),
                    what: format!("is '{m}'; expected REFLECT or SYMMETRIC"),
                })
            }
        }
    } else {
        PadMode::Constant
    };
    Ok(Box::new(Pad { mode }))
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![
        def("FusedBatchNorm", |n, _| type_bn(n, 4), fused_kernel),
        def("FusedBatchNormV2", |n, _| type_bn(n, 4), fused_kernel),
        def("FusedBatchNormV3", |n, _| type_bn(n, 5), fused_kernel),
        def("BatchNormWithGlobalNormalization", type_t, global_kernel),
        def("Pad", type_t, pad_kernel),
        def("PadV2", type_t, pad_kernel),
        def("MirrorPad", type_t, pad_kernel),
    ]
}
