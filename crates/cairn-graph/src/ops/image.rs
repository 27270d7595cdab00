//! Image ops: DecodeJpeg, DecodePng, DecodeImage (through `cairn-image`), ResizeBilinear,
//! CheckNumerics.

use super::{boxed, def, read_ints, type_t};
use crate::graph::Node;
use crate::registry::{Ctx, Kernel, OpDef};
use crate::{Error, Result};
use cairn_image::{DctMethod, DecodeOptions, Format};
use cairn_tensor::{kernels, DType};

/// A decoding kernel with its attributes read once.
struct Decode {
    /// `None`: sniff the format (`DecodeImage`).
    format: Option<Format>,
    opts: DecodeOptions,
}

fn channels_attr(node: &Node) -> Result<usize> {
    let c = node.attr_int_or("channels", 0)?;
    usize::try_from(c).map_err(|_| Error::Attr {
        node: node.name.clone(),
        op: node.op.clone(),
        attr: "channels".into(),
        what: format!("is negative ({c})"),
    })
}

fn wide(node: &Node) -> Result<bool> {
    Ok(node.attrs.contains_key("dtype") && node.attr_type("dtype")? == DType::UInt16)
}

fn decode_kernel(node: &Node, format: Option<Format>) -> Result<Box<dyn Kernel>> {
    if format == Some(Format::Jpeg) || format.is_none() {
        let ratio = node.attr_int_or("ratio", 1)?;
        if ratio != 1 {
            return Err(Error::Attr {
                node: node.name.clone(),
                op: node.op.clone(),
                attr: "ratio".into(),
                what: format!("is {ratio}; cairn decodes at full size only (ratio 1)"),
            });
        }
    }
    if node.attrs.contains_key("dtype") {
        let d = node.attr_type("dtype")?;
        if !matches!(d, DType::UInt8 | DType::UInt16) {
            return Err(Error::Attr {
                node: node.name.clone(),
                op: node.op.clone(),
                attr: "dtype".into(),
                what: format!("is {d}; cairn decodes to uint8 or uint16"),
            });
        }
    }
    let dct = match node.attr_str_or("dct_method", "")?.as_str() {
        "" | "INTEGER_FAST" => DctMethod::Fast,
        "INTEGER_ACCURATE" => DctMethod::Accurate,
        other => {
            return Err(Error::Attr {
                node: node.name.clone(),
                op: node.op.clone(),
                attr: "dct_method".into(),
                what: format!("is {other:?}; expected \"\", INTEGER_FAST or INTEGER_ACCURATE"),
            })
        }
    };
    Ok(Box::new(Decode {
        format,
        opts: DecodeOptions {
            channels: channels_attr(node)?,
            uint16: wide(node)?,
            dct,
            ..DecodeOptions::default()
        },
    }))
}

impl Kernel for Decode {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let input = ctx.input(0)?;
        let bytes = match input.as_slice::<Vec<u8>>() {
            Ok([b]) => b,
            _ => {
                return Err(ctx.node.inputs_err(format!(
                    "contents must be a scalar string, got a {} tensor of shape {:?}",
                    input.dtype(),
                    input.dims()
                )))
            }
        };
        let image = match self.format {
            Some(Format::Jpeg) => cairn_image::decode_jpeg(bytes, &self.opts),
            Some(Format::Png) => cairn_image::decode_png(bytes, &self.opts),
            None => cairn_image::decode(bytes, &self.opts),
        }
        .map_err(|source| Error::Image {
            node: ctx.node.name.clone(),
            op: ctx.node.op.clone(),
            source,
        })?;
        let t = image.into_tensor().map_err(|source| Error::Image {
            node: ctx.node.name.clone(),
            op: ctx.node.op.clone(),
            source,
        })?;
        ctx.outputs[0] = t;
        Ok(())
    }
}

fn type_decoded(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![if wide(node)? {
        DType::UInt16
    } else {
        DType::UInt8
    }])
}

fn type_f32(_: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![DType::Float32])
}

struct Resize(kernels::ResizeMode);

impl Kernel for Resize {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let size = read_ints(ctx.node, ctx.input(1)?)?;
        let &[h, w] = size.as_slice() else {
            return Err(ctx
                .node
                .inputs_err(format!("size must have two elements, got {size:?}")));
        };
        let (Ok(h), Ok(w)) = (usize::try_from(h), usize::try_from(w)) else {
            return Err(ctx.node.inputs_err(format!("negative size [{h}, {w}]")));
        };
        kernels::resize_bilinear(ctx.input(0)?, h, w, self.0, &mut ctx.outputs[0])?;
        Ok(())
    }
}

fn resize_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    let mode = kernels::ResizeMode::from_attrs(
        node.attr_bool_or("align_corners", false)?,
        node.attr_bool_or("half_pixel_centers", false)?,
    )?;
    Ok(Box::new(Resize(mode)))
}

/// TensorFlow's message: `{message} : Tensor had NaN values` (or `Inf`).
fn check_numerics(ctx: &mut Ctx<'_>) -> Result<()> {
    let x = ctx.input(0)?;
    let bad = match x.dtype() {
        DType::Float32 => find_bad(x.as_slice::<f32>()?.iter().map(|v| f64::from(*v))),
        DType::Float64 => find_bad(x.as_slice::<f64>()?.iter().copied()),
        DType::Float16 => find_bad(
            x.as_slice::<cairn_tensor::f16>()?
                .iter()
                .map(|v| f64::from(*v)),
        ),
        DType::BFloat16 => find_bad(
            x.as_slice::<cairn_tensor::bf16>()?
                .iter()
                .map(|v| f64::from(*v)),
        ),
        d => {
            return Err(ctx
                .node
                .inputs_err(format!("CheckNumerics takes floats, got {d}")))
        }
    };
    if let Some(kind) = bad {
        let message = ctx.node.attr_str_or("message", "")?;
        return Err(ctx
            .node
            .inputs_err(format!("{message} : Tensor had {kind} values")));
    }
    ctx.outputs[0] = x.clone();
    Ok(())
}

fn find_bad(values: impl Iterator<Item = f64>) -> Option<&'static str> {
    let (mut nan, mut inf) = (false, false);
    for v in values {
        nan |= v.is_nan();
        inf |= v.is_infinite();
    }
    match (nan, inf) {
        (true, true) => Some("Inf and NaN"),
        (true, false) => Some("NaN"),
        (false, true) => Some("Inf"),
        _ => None,
    }
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![
        def("DecodeJpeg", type_decoded, |n| {
            decode_kernel(n, Some(Format::Jpeg))
        }),
        def("DecodePng", type_decoded, |n| {
            decode_kernel(n, Some(Format::Png))
        }),
        def("DecodeImage", type_decoded, |n| decode_kernel(n, None)),
        def("ResizeBilinear", type_f32, resize_kernel),
        def("CheckNumerics", type_t, |_| boxed(check_numerics)),
    ]
}

#[cfg(test)]
mod tests {
    use super::find_bad;

    #[test]
    fn bad_values() {
        assert_eq!(find_bad([1.0, 2.0].into_iter()), None);
        assert_eq!(find_bad([1.0, f64::NAN].into_iter()), Some("NaN"));
        assert_eq!(
            find_bad([f64::INFINITY, f64::NAN].into_iter()),
            Some("Inf and NaN")
        );
    }
}
