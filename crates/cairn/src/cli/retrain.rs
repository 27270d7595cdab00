//! `cairn retrain`: transfer learning as TensorFlow's `retrain.py` does it (see the
//! `cairn-retrain` crate): bottlenecks of every image once (cached), a new softmax layer
//! trained on them, one frozen graph written with the labels beside it.

use super::progress::{quiet, Progress};
use anyhow::{Context, Result};
use cairn::retrain::{retrain, Event, HeadConfig, Options};
use clap::Args;
use prost::Message;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `cairn retrain`.
#[derive(Args, Debug)]
pub struct RetrainArgs {
    /// The frozen model to retrain (binary GraphDef), e.g. `classify_image_graph_def.pb`.
    #[arg(long)]
    graph: PathBuf,
    /// The tensor whose values feed the new layer.
    #[arg(long, default_value = "pool_3/_reshape:0")]
    bottleneck: String,
    /// Images, one sub-directory per class: `DIR/<class>/*.jpg|jpeg|png`.
    #[arg(long)]
    image_dir: PathBuf,
    /// Where to write the retrained frozen graph.
    #[arg(long)]
    out: PathBuf,
    /// Where to write the labels, one per line in output order.
    #[arg(long)]
    labels_out: PathBuf,
    /// Training steps of the new layer.
    #[arg(long, default_value_t = 4000)]
    steps: usize,
    /// Bottlenecks per training step (drawn at random with replacement).
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Gradient-descent learning rate of the new layer.
    #[arg(long, default_value_t = 0.01)]
    learning_rate: f32,
    /// Steps between evaluations (training batch and validation set).
    #[arg(long, default_value_t = 10)]
    eval_every: usize,
    /// Percentage of images held out for validation.
    #[arg(long, default_value_t = 10.0)]
    validation_percentage: f64,
    /// Percentage of images held out for the final test.
    #[arg(long, default_value_t = 10.0)]
    testing_percentage: f64,
    /// Where bottlenecks are cached (default: `cairn_bottlenecks` in the temp directory).
    #[arg(long)]
    bottleneck_dir: Option<PathBuf>,
    /// Do not cache bottlenecks on disk.
    #[arg(long, conflicts_with = "bottleneck_dir")]
    no_cache: bool,
    /// The input tensor (default: `DecodeJpeg/contents:0` if present, else the only
    /// Placeholder).
    #[arg(long)]
    input_tensor: Option<String>,
    /// Image size for a pixel input (default: the input placeholder's shape).
    #[arg(long)]
    input_size: Option<usize>,
    /// Subtracted from pixel values (0..255) for a pixel input.
    #[arg(long, default_value_t = 0.0)]
    input_mean: f32,
    /// Divides centred pixel values for a pixel input.
    #[arg(long, default_value_t = 255.0)]
    input_std: f32,
    /// Name of the new softmax output.
    #[arg(long, default_value = "final_result")]
    final_tensor_name: String,
    /// Seed of the new layer's initialization and of the batch draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// End with one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(f);
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {}", tmp.display()))?;
    Ok(())
}

pub fn run(a: RetrainArgs) -> Result<()> {
    let mut opts = Options::new(a.graph.clone(), &a.bottleneck, a.image_dir.clone());
    opts.input_tensor = a.input_tensor.clone();
    opts.input_size = a.input_size;
    opts.input_mean = a.input_mean;
    opts.input_std = a.input_std;
    opts.validation_percentage = a.validation_percentage;
    opts.testing_percentage = a.testing_percentage;
    opts.final_tensor_name = a.final_tensor_name.clone();
    opts.bottleneck_dir = if a.no_cache {
        None
    } else {
        Some(
            a.bottleneck_dir
                .clone()
                .unwrap_or_else(|| std::env::temp_dir().join("cairn_bottlenecks")),
        )
    };
    opts.head = HeadConfig {
        steps: a.steps,
        batch_size: a.batch_size,
        learning_rate: a.learning_rate,
        eval_every: a.eval_every,
        seed: a.seed,
    };
    let q = quiet();
    let mut bottlenecks: Option<Progress> = None;
    let mut training: Option<Progress> = None;
    let steps = a.steps as u64;
    let r = retrain(&opts, &mut |e| match e {
        Event::Scanned { labels, counts } => {
            if !q {
                eprintln!(
                    "{} classes ({}); {} training, {} validation, {} testing images",
                    labels.len(),
                    labels.join(", "),
                    counts[0],
                    counts[1],
                    counts[2]
                );
            }
            bottlenecks = Some(Progress::new(0, counts.iter().sum::<usize>() as u64, q));
        }
        Event::Bottleneck { done, .. } => {
            if let Some(p) = &bottlenecks {
                p.set(done as u64);
            }
        }
        Event::Step(s) => {
            if let Some(p) = bottlenecks.take() {
                p.finish();
            }
            let p = training.get_or_insert_with(|| Progress::new(0, steps, q));
            p.set(s.step as u64);
            let last = s.step == a.steps;
            if last || s.step % (a.eval_every.max(1) * 10) == 0 {
                p.line(&format!(
                    "step {}: train accuracy {:.1}%, cross entropy {:.4}{}",
                    s.step,
                    s.train_accuracy * 100.0,
                    s.cross_entropy,
                    s.validation_accuracy
                        .map(|v| format!(", validation accuracy {:.1}%", v * 100.0))
                        .unwrap_or_default()
                ));
            }
        }
    })
    .with_context(|| format!("retraining {}", a.graph.display()))?;
    if let Some(p) = training.take() {
        p.finish();
    }
    write_atomically(&a.out, &r.graph.encode_to_vec())?;
    let mut labels = r.labels.join("\n");
    labels.push('\n');
    write_atomically(&a.labels_out, labels.as_bytes())?;
    if !q {
        eprintln!(
            "bottlenecks: {} computed, {} from the cache; {}wrote {} and {}",
            r.computed,
            r.cached,
            r.test_accuracy
                .map(|t| format!("final test accuracy {:.1}%; ", t * 100.0))
                .unwrap_or_default(),
            a.out.display(),
            a.labels_out.display()
        );
    }
    if a.json {
        let last = r.last.as_ref();
        println!(
            "{}",
            serde_json::json!({
                "graph": a.out.display().to_string(),
                "labels": r.labels,
                "output": format!("{}:0", a.final_tensor_name),
                "bottleneck_size": r.bottleneck_size,
                "images": {"training": r.counts[0], "validation": r.counts[1], "testing": r.counts[2]},
                "bottlenecks_computed": r.computed,
                "bottlenecks_cached": r.cached,
                "steps": a.steps,
                "train_accuracy": last.map(|s| s.train_accuracy),
                "cross_entropy": last.map(|s| s.cross_entropy),
                "validation_accuracy": last.and_then(|s| s.validation_accuracy),
                "test_accuracy": r.test_accuracy,
            })
        );
    }
    Ok(())
}
