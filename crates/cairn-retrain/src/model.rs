//! The frozen model whose bottleneck feeds the new layer: loading it, working out how
//! to feed it an image, and running it.

use crate::{Error, Result};
use cairn_graph::{graphdef, AttrValue, Graph, PartialShape, Session};
use cairn_image::DecodeOptions;
use cairn_tensor::{DType, Tensor};
use std::path::Path;

/// How images reach the model.
#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    /// The model decodes them itself: the file's bytes are fed as a string scalar (the
    /// 2015 Inception graph's `DecodeJpeg/contents:0`).
    Bytes,
    /// cairn decodes them (JPEG or PNG, 3 channels), resizes them bilinearly to
    /// `height × width` and feeds `(pixel − mean) / std` as float32 `[1, h, w, 3]`, as
    /// `retrain.py`'s decoding graph does.
    Pixels {
        /// Rows fed.
        height: usize,
        /// Columns fed.
        width: usize,
        /// Subtracted from every pixel value (0‥255).
        mean: f32,
        /// Divides every centred pixel value.
        std: f32,
    },
}

/// How to feed the model.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// The tensor fed (`DecodeJpeg/contents:0`, `input_1:0`, …).
    pub tensor: String,
    /// How.
    pub kind: InputKind,
}

/// A frozen model ready to compute bottlenecks.
pub struct Model {
    session: Session,
    input: InputSpec,
    bottleneck: String,
    decoder: Option<Session>,
}

/// `add` → `add:0`; names that carry an index unchanged.
pub fn tensor_name(s: &str) -> String {
    match s.rsplit_once(':') {
        Some((_, i)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => s.to_string(),
        _ => format!("{s}:0"),
    }
}

impl Model {
    /// Imports the GraphDef `bytes` (read from `path`) and decides how to feed it:
    /// `input` if given, else `DecodeJpeg/contents:0` when the graph has it, else its
    /// only Placeholder. For a float input, `size` (or the placeholder's static shape)
    /// gives the image size and `mean`/`std` the scaling.
    pub fn load(
        path: &Path,
        bytes: &[u8],
        bottleneck: &str,
        input: Option<&str>,
        size: Option<usize>,
        mean: f32,
        std: f32,
    ) -> Result<Model> {
        let graph = graphdef::from_graph_def_bytes(bytes)
            .map_err(Error::graph(format!("importing {}", path.display())))?;
        let bottleneck = tensor_name(bottleneck);
        graph
            .output_by_name(&bottleneck)
            .map_err(Error::graph(format!(
                "bottleneck tensor of {}",
                path.display()
            )))?;
        let input = input_spec(&graph, input, size, mean, std)?;
        let decoder = match &input.kind {
            InputKind::Bytes => None,
            InputKind::Pixels {
                height,
                width,
                mean,
                std,
            } => Some(Session::new(decoding_graph(*height, *width, *mean, *std)?)),
        };
        Ok(Model {
            session: Session::new(graph),
            input,
            bottleneck,
            decoder,
        })
    }

    /// How images are fed.
    pub fn input(&self) -> &InputSpec {
        &self.input
    }

    /// The bottleneck tensor's name.
    pub fn bottleneck(&self) -> &str {
        &self.bottleneck
    }

    /// The bottleneck values of the image file `path` (its bytes `bytes`), flattened.
    pub fn bottleneck_of(&mut self, path: &Path, bytes: &[u8]) -> Result<Vec<f32>> {
        let fed = match &mut self.decoder {
            None => Tensor::scalar(bytes.to_vec()),
            Some(decoder) => {
                let image = cairn_image::decode(bytes, &DecodeOptions::with_channels(3))
                    .map_err(|source| Error::Image {
                        path: path.to_path_buf(),
                        source,
                    })?
                    .into_tensor()
                    .map_err(|source| Error::Image {
                        path: path.to_path_buf(),
                        source,
                    })?;
                let out = decoder
                    .run(&[("image:0", &image)], &["scaled:0"], &[])
                    .map_err(Error::graph(format!("decoding {}", path.display())))?;
                out.into_iter().next().ok_or_else(|| Error::Model {
                    what: "the decoding graph returned nothing".into(),
                })?
            }
        };
        let out = self
            .session
            .run(
                &[(self.input.tensor.as_str(), &fed)],
                &[self.bottleneck.as_str()],
                &[],
            )
            .map_err(Error::graph(format!(
                "computing the bottleneck of {}",
                path.display()
            )))?;
        let t = out.into_iter().next().ok_or_else(|| Error::Model {
            what: "the model returned no bottleneck".into(),
        })?;
        if t.dtype() != DType::Float32 {
            return Err(Error::Model {
                what: format!(
                    "bottleneck {} is {}, not float32",
                    self.bottleneck,
                    t.dtype()
                ),
            });
        }
        Ok(t.as_slice::<f32>()?.to_vec())
    }
}

fn input_spec(
    g: &Graph,
    input: Option<&str>,
    size: Option<usize>,
    mean: f32,
    std: f32,
) -> Result<InputSpec> {
    let tensor = match input {
        Some(t) => tensor_name(t),
        None if g.find("DecodeJpeg/contents").is_some() => "DecodeJpeg/contents:0".to_string(),
        None => {
            let placeholders: Vec<&str> = g
                .nodes()
                .iter()
                .filter(|n| n.op == "Placeholder")
                .map(|n| n.name.as_str())
                .collect();
            match placeholders.as_slice() {
                [one] => format!("{one}:0"),
                [] => {
                    return Err(Error::Model {
                        what: "the graph has no DecodeJpeg/contents and no Placeholder: name the input with --input-tensor".into(),
                    })
                }
                many => {
                    return Err(Error::Model {
                        what: format!(
                            "the graph has several placeholders ({}): name the input with --input-tensor",
                            many.join(", ")
                        ),
                    })
                }
            }
        }
    };
    let out = g
        .output_by_name(&tensor)
        .map_err(Error::graph("the input tensor"))?;
    let dtype = g.dtype(out).map_err(Error::graph("the input tensor"))?;
    let kind = match dtype {
        DType::String => InputKind::Bytes,
        DType::Float32 => {
            let node = g.node(out.node);
            let static_hw = match node.attrs.get("shape") {
                Some(AttrValue::Shape(PartialShape(Some(d)))) if d.len() == 4 => d[1].zip(d[2]),
                _ => None,
            };
            let (height, width) = match (size, static_hw) {
                (Some(s), _) => (s, s),
                (None, Some(hw)) => hw,
                (None, None) => {
                    return Err(Error::Model {
                        what: format!(
                            "{tensor} has no static [batch, height, width, 3] shape: give the image size (--input-size)"
                        ),
                    })
                }
            };
            if height == 0 || width == 0 || height > 8192 || width > 8192 {
                return Err(Error::Option(format!("input size {height}x{width}")));
            }
            if std == 0.0 || !std.is_finite() || !mean.is_finite() {
                return Err(Error::Option(format!("input mean {mean} / std {std}")));
            }
            InputKind::Pixels {
                height,
                width,
                mean,
                std,
            }
        }
        other => {
            return Err(Error::Model {
                what: format!(
                    "input {tensor} is {other}: expected string (encoded image) or float32 pixels"
                ),
            })
        }
    };
    Ok(InputSpec { tensor, kind })
}

/// `image` (uint8 `[h, w, 3]`) → Cast → ExpandDims → ResizeBilinear to `height × width`
/// → Sub `mean` → Mul `1/std` = `scaled` (float32 `[1, height, width, 3]`).
fn decoding_graph(height: usize, width: usize, mean: f32, std: f32) -> Result<Graph> {
    let mut g = Graph::new();
    let err = Error::graph("building the image decoding graph");
    let build = |g: &mut Graph| -> cairn_graph::Result<()> {
        let image = g.placeholder("image", DType::UInt8, PartialShape::from_i64(&[-1, -1, 3]))?;
        let f = g.cast("Cast", image, DType::Float32)?;
        let axis = g.const_i32s("ExpandDims/dim", &[0])?;
        let batched = g
            .op("ExpandDims", "ExpandDims")
            .input(f)
            .input(axis)
            .attr("T", DType::Float32)
            .attr("Tdim", DType::Int32)
            .finish_output()?;
        let size = g.const_i32s("size", &[height as i32, width as i32])?;
        let resized = g
            .op("ResizeBilinear", "ResizeBilinear")
            .input(batched)
            .input(size)
            .attr("T", DType::Float32)
            .attr("align_corners", false)
            .attr("half_pixel_centers", false)
            .finish_output()?;
        let m = g.scalar_f32("mean", mean)?;
        let centred = g.binary("Sub", "Sub", resized, m)?;
        let s = g.scalar_f32("inv_std", 1.0 / std)?;
        g.binary("Mul", "scaled", centred, s)?;
        Ok(())
    };
    build(&mut g).map_err(err)?;
    Ok(g)
}
