//! `cairn classify`: top-k labels of images through a frozen image classifier, printed
//! like TensorFlow's `classify_image.py` (`giant panda, panda (score = 0.96960)`).
//!
//! Graphs that decode for themselves (the 2015 `classify_image_graph_def.pb`, whose
//! `DecodeJpeg/contents:0` takes the file's bytes) get the bytes. Graphs whose input is a
//! float image get pixels decoded and resized here, as TensorFlow's `label_image.py` does:
//! RGB, bilinear resize (TensorFlow 1's legacy `resize_bilinear`) to `--input-size` (default:
//! the placeholder's static height and width), then `(x - input_mean) / input_std`
//! (defaults 0 and 255, so pixels in [0, 1]; use 127.5 and 127.5 for [-1, 1]).

mod labels;

use anyhow::{bail, Context, Result};
use cairn::graph::{Graph, Output, Session};
use cairn::tensor::{kernels, DType, Tensor};
use clap::Args;
use labels::Labels;
use std::path::{Path, PathBuf};

/// Options of `cairn classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// The frozen graph (`.pb`, or `.pbtxt` as text).
    model: PathBuf,
    /// Images to classify (JPEG or PNG).
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Class names: one per line, or the 2015 label map (`..._label_map_proto.pbtxt`).
    /// Default: the 2015 pair beside the model, when present.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Synset → names file for a label map (default: beside the label map).
    #[arg(long)]
    synsets: Option<PathBuf>,
    /// Input tensor. Default `DecodeJpeg/contents:0`, or the graph's only placeholder.
    #[arg(long)]
    input_tensor: Option<String>,
    /// Output tensor (probabilities).
    #[arg(long, default_value = "softmax:0")]
    output_tensor: String,
    /// Square size to resize to for float-image inputs (default: from the placeholder).
    #[arg(long)]
    input_size: Option<usize>,
    /// Subtracted from pixels (0..255) for float-image inputs.
    #[arg(long, default_value_t = 0.0)]
    input_mean: f32,
    /// Pixels are divided by this after subtracting the mean.
    #[arg(long, default_value_t = 255.0)]
    input_std: f32,
    /// How many classes to show per image.
    #[arg(long, default_value_t = 5)]
    top_k: usize,
    /// Print `{"images": [{"file", "top": [{"class", "label", "score"}]}]}`.
    #[arg(long)]
    json: bool,
}

const DEFAULT_INPUT: &str = "DecodeJpeg/contents:0";

fn with_index(s: &str) -> String {
    match s.rsplit_once(':') {
        Some((_, i)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => s.to_string(),
        _ => format!("{s}:0"),
    }
}

/// The input tensor: as given, else `DecodeJpeg/contents:0`, else the only placeholder.
fn input_name(graph: &Graph, given: Option<&str>) -> Result<String> {
    if let Some(g) = given {
        return Ok(with_index(g));
    }
    if graph.output_by_name(DEFAULT_INPUT).is_ok() {
        return Ok(DEFAULT_INPUT.to_string());
    }
    let ph: Vec<&str> = graph
        .nodes()
        .iter()
        .filter(|n| n.op == "Placeholder")
        .map(|n| n.name.as_str())
        .collect();
    match ph.as_slice() {
        [one] => Ok(format!("{one}:0")),
        _ => bail!(
            "the graph has no {DEFAULT_INPUT} and {} placeholders ({}): name the input with --input-tensor",
            ph.len(),
            ph.join(", ")
        ),
    }
}

/// How an image reaches the graph.
enum Feed {
    /// The file's bytes, as a string scalar (a PNG given to a graph that decodes JPEG
    /// only is decoded here and fed to the `DecodeJpeg` node's output instead).
    Bytes(String),
    /// Float `[1, size, size, channels]`, resized and normalized here.
    Float {
        tensor: String,
        height: usize,
        width: usize,
        channels: usize,
    },
}

fn plan_feed(graph: &Graph, input: &str, a: &ClassifyArgs) -> Result<Feed> {
    let out = graph.output_by_name(input)?;
    let dtype = graph.dtype(out).unwrap_or(DType::Float32);
    let node = graph.node(out.node);
    if dtype == DType::String {
        return Ok(Feed::Bytes(input.to_string()));
    }
    if dtype != DType::Float32 {
        bail!("input {input} is {dtype}: cairn classify feeds encoded bytes (string) or float32 images");
    }
    let shape = node
        .attrs
        .get("shape")
        .and_then(|s| match s {
            cairn::graph::AttrValue::Shape(p) => p.0.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let dim = |i: usize| shape.get(i).copied().flatten();
    let channels = dim(3).unwrap_or(3);
    let (height, width) = match (a.input_size, dim(1), dim(2)) {
        (Some(n), _, _) => (n, n),
        (None, Some(h), Some(w)) => (h, w),
        _ => bail!("input {input} has no static height and width: pass --input-size"),
    };
    Ok(Feed::Float {
        tensor: input.to_string(),
        height,
        width,
        channels,
    })
}

/// The `DecodeJpeg` node reading `input`, if any.
fn jpeg_decoder_of(graph: &Graph, input: Output) -> Option<(String, usize)> {
    graph
        .nodes()
        .iter()
        .find(|n| n.op == "DecodeJpeg" && n.inputs.first() == Some(&input))
        .map(|n| {
            let c = n.attr_int_or("channels", 0).unwrap_or(0);
            (format!("{}:0", n.name), if c <= 0 { 3 } else { c as usize })
        })
}

fn decode(path: &Path, bytes: &[u8], channels: usize) -> Result<Tensor> {
    let img = cairn_image::decode(bytes, &cairn_image::DecodeOptions::with_channels(channels))
        .with_context(|| format!("decoding {}", path.display()))?;
    Ok(img.into_tensor()?)
}

/// The tensor to feed for one image file.
fn image_tensor(
    feed: &Feed,
    graph: &Graph,
    path: &Path,
    a: &ClassifyArgs,
) -> Result<(String, Tensor)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match feed {
        Feed::Bytes(name) => {
            let out = graph.output_by_name(name)?;
            match jpeg_decoder_of(graph, out) {
                Some((decoded, channels))
                    if cairn_image::sniff(&bytes) != Some(cairn_image::Format::Jpeg) =>
                {
                    Ok((decoded, decode(path, &bytes, channels)?))
                }
                _ => Ok((name.clone(), Tensor::scalar(bytes))),
            }
        }
        Feed::Float {
            tensor,
            height,
            width,
            channels,
        } => {
            let px = decode(path, &bytes, *channels)?;
            let d = px.dims().to_vec();
            let px = px.reshape(vec![1, d[0], d[1], d[2]])?;
            let mut resized = Tensor::default();
            kernels::resize_bilinear(
                &px,
                *height,
                *width,
                kernels::ResizeMode::Legacy,
                &mut resized,
            )?;
            for v in resized.as_mut_slice::<f32>()? {
                *v = (*v - a.input_mean) / a.input_std;
            }
            Ok((tensor.clone(), resized))
        }
    }
}

/// Indices of the `k` largest values, largest first (ties: lower index first).
fn top_k(p: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

/// Runs `cairn classify`.
pub fn run(a: ClassifyArgs) -> Result<()> {
    let (graph, _) = super::run::load_graph(&a.model)?;
    let labels = Labels::load(a.labels.as_deref(), a.synsets.as_deref(), &a.model)?;
    let input = input_name(&graph, a.input_tensor.as_deref())?;
    let output = with_index(&a.output_tensor);
    graph
        .output_by_name(&output)
        .with_context(|| format!("output tensor {output} (set it with --output-tensor)"))?;
    let feed = plan_feed(&graph, &input, &a)?;
    let mut session = Session::new(graph);
    let mut report = Vec::new();
    for path in &a.images {
        let (name, t) = image_tensor(&feed, session.graph(), path, &a)?;
        let out = session
            .run(&[(name.as_str(), &t)], &[output.as_str()], &[])
            .with_context(|| format!("classifying {}", path.display()))?
            .remove(0);
        let p = out
            .as_slice::<f32>()
            .with_context(|| format!("{output} is not float32"))?;
        let classes = out.dims().last().copied().unwrap_or(p.len()).max(1);
        let row = &p[..classes.min(p.len())];
        let top = top_k(row, a.top_k);
        if !a.json {
            if a.images.len() > 1 {
                println!("{}:", path.display());
            }
            for &c in &top {
                println!("{} (score = {:.5})", labels.name(c), row[c]);
            }
        }
        let top: Vec<_> = top
            .iter()
            .map(|&c| serde_json::json!({"class": c, "label": labels.name(c), "score": row[c] as f64}))
            .collect();
        report.push(serde_json::json!({"file": path.display().to_string(), "top": top}));
    }
    if a.json {
        println!("{}", serde_json::json!({ "images": report }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::top_k;

    #[test]
    fn top_k_orders_by_score_then_index() {
        assert_eq!(top_k(&[0.1, 0.5, 0.5, 0.2], 3), [1, 2, 3]);
        assert_eq!(top_k(&[1.0], 5), [0]);
    }
}
