//! `cairn freeze`: a checkpoint and its `.meta` graph → a frozen `.pb`.

use super::progress::{quiet, Progress};
use super::run::load_graph;
use anyhow::{bail, Context, Result};
use cairn::tensor::Tensor;
use cairn_checkpoint::BundleReader;
use cairn_freeze::{freeze, FreezeOptions, VariableValues};
use clap::Args;
use std::path::PathBuf;

/// Options of `cairn freeze`.
#[derive(Args, Debug)]
pub struct FreezeArgs {
    /// Checkpoint directory (its latest checkpoint), prefix, or bundle file.
    #[arg(long)]
    checkpoint: PathBuf,
    /// The MetaGraphDef (default: `PREFIX.meta` beside the checkpoint).
    #[arg(long)]
    meta: Option<PathBuf>,
    /// Output node names, comma-separated (`layer2/add` or `predictions,probs`).
    #[arg(long, value_delimiter = ',', required = true)]
    output_nodes: Vec<String>,
    /// Where to write the frozen GraphDef (`.pbtxt`: text, otherwise binary).
    #[arg(long)]
    out: PathBuf,
    /// Freeze each variable's moving average (`<var>/ExponentialMovingAverage`) instead.
    #[arg(long)]
    ema: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `cairn freeze`.
/// Checkpoint values that move a progress bar by their size as freezing reads them.
struct Counted<'a> {
    reader: &'a BundleReader,
    bar: &'a Progress,
}

impl VariableValues for Counted<'_> {
    fn value(&self, key: &str) -> cairn_freeze::Result<Option<Tensor>> {
        let v = self.reader.value(key)?;
        if let Some(t) = &v {
            self.bar
                .inc((t.len() * t.dtype().size().unwrap_or(1)) as u64);
        }
        Ok(v)
    }
}

pub fn run(a: FreezeArgs) -> Result<()> {
    let prefix = cairn_checkpoint::resolve(&a.checkpoint)?;
    let meta = match &a.meta {
        Some(m) => m.clone(),
        None => {
            let m = PathBuf::from(format!("{}.meta", prefix.display()));
            if !m.is_file() {
                bail!(
                    "no {} beside the checkpoint: pass the graph with --meta FILE.meta",
                    m.display()
                );
            }
            m
        }
    };
    let spinner = Progress::spinner(&format!("reading {}", meta.display()), quiet());
    let (graph, _) = load_graph(&meta)?;
    let reader = BundleReader::open(&prefix)?;
    let opts = FreezeOptions {
        output_nodes: a.output_nodes.clone(),
        ema: a.ema,
    };
    spinner.finish();
    // A bar over the checkpoint's bytes (freezing reads the variables it needs of them).
    let total: u64 = reader
        .list()
        .iter()
        .map(|e| (e.shape.num_elements() * e.dtype.size().unwrap_or(1)) as u64)
        .sum();
    let bar = Progress::bytes(total, quiet());
    bar.set_message(&format!("freezing with {}", prefix.display()));
    let counted = Counted {
        reader: &reader,
        bar: &bar,
    };
    let frozen =
        freeze(&graph, &counted, &opts).with_context(|| format!("freezing {}", meta.display()))?;
    bar.set(total);
    bar.finish();
    let bytes = if a.out.extension().is_some_and(|e| e == "pbtxt") {
        cairn::graph::graphdef::to_graph_def_text(&frozen.graph)?.into_bytes()
    } else {
        frozen.to_bytes()
    };
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    if a.json {
        let converted: Vec<_> = frozen
            .converted
            .iter()
            .map(|(v, k)| serde_json::json!({"variable": v, "value": k}))
            .collect();
        let v = serde_json::json!({
            "out": a.out.display().to_string(), "checkpoint": prefix.display().to_string(),
            "nodes": frozen.graph.len(), "converted": converted, "bytes": bytes.len(),
        });
        println!("{v}");
    } else if !quiet() {
        println!(
            "Converted {} variables to const ops.",
            frozen.converted.len()
        );
        println!(
            "{} ops in the final graph, written to {}",
            frozen.graph.len(),
            a.out.display()
        );
    }
    Ok(())
}
