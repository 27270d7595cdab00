//! `cairn eval`: the accuracy of a checkpoint, once or for every new one (`--watch`).

use super::progress::{note, quiet, Progress};
use anyhow::{Context, Result};
use cairn::checkpoint::{latest_checkpoint, resolve, BundleReader};
use cairn::models::ModelKind;
use cairn::{Split, TrainOptions, Trainer};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SplitArg {
    Test,
    Validation,
}

/// Options of `cairn eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Directory holding the MNIST files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist"))]
    data: PathBuf,
    /// A checkpoint: a directory (its latest), a prefix, or the `.index` file.
    #[arg(long)]
    checkpoint: PathBuf,
    /// The data to score.
    #[arg(long, value_enum, default_value = "test")]
    split: SplitArg,
    /// Score the trained weights instead of their moving averages.
    #[arg(long)]
    no_ema: bool,
    /// Poll the directory and score every new checkpoint until interrupted.
    #[arg(long)]
    watch: bool,
    /// Seconds between polls with --watch.
    #[arg(long, default_value_t = 10.0)]
    interval: f64,
    /// One JSON line per score.
    #[arg(long)]
    json: bool,
}

fn kind_of(reader: &BundleReader) -> Result<ModelKind> {
    if reader.contains("layer1/weights") {
        Ok(ModelKind::Mlp)
    } else if reader.contains("softmax/weights") {
        Ok(ModelKind::Softmax)
    } else if reader.contains("conv1/weights") {
        Ok(ModelKind::Lenet)
    } else {
        anyhow::bail!(
            "{} holds neither the MLP (layer1/weights), softmax regression (softmax/weights) nor LeNet (conv1/weights)",
            reader.prefix().display()
        )
    }
}

fn score(data: &cairn::mnist::Mnist, prefix: &Path, a: &EvalArgs) -> Result<serde_json::Value> {
    let reader = BundleReader::open(prefix)?;
    let kind = kind_of(&reader)?;
    let mut opts = TrainOptions::defaults(kind);
    let has_ema = reader
        .list()
        .iter()
        .any(|e| e.name.ends_with("/ExponentialMovingAverage"));
    opts.model.ema_decay = has_ema.then_some(0.99);
    let ema = has_ema && !a.no_ema;
    if !has_ema && !a.no_ema {
        note(&format!(
            "note: {} has no moving averages; scoring the trained weights",
            prefix.display()
        ));
    }
    let spinner = Progress::spinner(&format!("scoring {}", prefix.display()), quiet());
    let mut t = Trainer::new(data.clone(), &opts)?;
    let r = t.restore(prefix)?;
    let split = match a.split {
        SplitArg::Test => Split::Test,
        SplitArg::Validation => Split::Validation,
    };
    spinner.finish();
    let examples = match split {
        Split::Test => data.test.len(),
        _ => data.validation.len(),
    };
    let bar = Progress::examples(examples as u64, quiet());
    bar.set_message(&format!("scoring {}", prefix.display()));
    let acc = t.evaluate_with_progress(split, ema, &mut |done, _| bar.set(done as u64))?;
    bar.finish();
    Ok(serde_json::json!({
        "checkpoint": prefix.display().to_string(),
        "step": r.step,
        "split": match split { Split::Test => "test", _ => "validation" },
        "examples": examples,
        "accuracy": (acc * 10000.0).round() / 10000.0,
        "ema": ema,
    }))
}

fn print(v: &serde_json::Value, json: bool) {
    if json {
        println!("{v}");
    } else if !quiet() {
        println!(
            "{} (step {}): {} accuracy {:.2}% on {} examples{}",
            v["checkpoint"].as_str().unwrap_or(""),
            v["step"],
            v["split"].as_str().unwrap_or(""),
            v["accuracy"].as_f64().unwrap_or(0.0) * 100.0,
            v["examples"],
            if v["ema"].as_bool().unwrap_or(false) {
                " (moving averages)"
            } else {
                ""
            }
        );
    }
}

pub fn run(a: EvalArgs) -> Result<()> {
    let data = cairn::mnist::load(&a.data)
        .with_context(|| format!("loading MNIST from {}", a.data.display()))?;
    if !a.watch {
        let prefix = resolve(&a.checkpoint)?;
        let v = score(&data, &prefix, &a)
            .with_context(|| format!("evaluating {}", prefix.display()))?;
        print(&v, a.json);
        return Ok(());
    }
    if !a.checkpoint.is_dir() {
        anyhow::bail!(
            "--watch needs a directory, {} is not one",
            a.checkpoint.display()
        );
    }
    let mut last: Option<PathBuf> = None;
    let waiting = Progress::spinner(
        &format!("watching {} for new checkpoints", a.checkpoint.display()),
        quiet(),
    );
    loop {
        // An unreadable state file (a writer mid-replace on another filesystem, a
        // permission change) is reported and polled again, not fatal.
        let latest = latest_checkpoint(&a.checkpoint).unwrap_or_else(|e| {
            waiting.suspend(|| {
                eprintln!(
                    "cannot read the checkpoint state in {}: {e}",
                    a.checkpoint.display()
                )
            });
            None
        });
        if let Some(prefix) = latest {
            if last.as_ref() != Some(&prefix) {
                // A checkpoint deleted under us (max_to_keep) is skipped, not fatal.
                match score(&data, &prefix, &a) {
                    Ok(v) => waiting.suspend(|| print(&v, a.json)),
                    Err(e) => waiting.suspend(|| eprintln!("skipping {}: {e:#}", prefix.display())),
                }
                last = Some(prefix);
            }
        }
        std::thread::sleep(Duration::from_secs_f64(a.interval.max(0.1)));
    }
}
