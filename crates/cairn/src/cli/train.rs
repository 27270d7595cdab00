//! `cairn train`.

use super::progress::{quiet, Progress};
use super::tensorboard::TrainLog;
use anyhow::{Context, Result};
use cairn::models::ModelKind;
use cairn::{Split, TrainOptions, Trainer};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Model {
    Softmax,
    Mlp,
    Lenet,
}

/// What a failed checkpoint save does (`--save-errors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SaveErrors {
    /// Stop with the error (non-zero exit); the previous checkpoint stays the latest.
    Fail,
    /// Print a warning and go on training; the next save tries again.
    Warn,
}

/// Options of `cairn train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Directory holding the four MNIST IDX files (raw or gzip).
    #[arg(long, default_value = default_data())]
    data: PathBuf,
    /// The model to train.
    #[arg(long, value_enum, default_value = "mlp")]
    model: Model,
    /// The global step to reach.
    #[arg(long, default_value_t = 30000)]
    steps: i64,
    /// Examples per batch.
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Base learning rate (default: 0.8 for mlp, 0.2 for softmax).
    #[arg(long)]
    learning_rate: Option<f32>,
    /// Learning-rate decay per epoch, staircase (default: 0.99 for mlp, none for softmax).
    #[arg(long)]
    lr_decay: Option<f32>,
    /// L2 regularization scale on the weights (default: 1e-4 for mlp, 0 for softmax).
    #[arg(long)]
    l2: Option<f32>,
    /// Moving-average decay of the weights; 0 disables (default: 0.99 for mlp, 0 for softmax).
    #[arg(long)]
    ema_decay: Option<f32>,
    /// Seed of the weight initialization and batch shuffling.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Steps between progress lines.
    #[arg(long, default_value_t = 1000)]
    log_every: i64,
    /// End with one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Write TensorBoard event files here: the graph, then `loss`, `learning_rate` and
    /// `accuracy/validation` at every --log-every step.
    #[arg(long)]
    logdir: Option<PathBuf>,
    /// Save checkpoints here (`model.ckpt-STEP`), and resume from the latest one in it.
    #[arg(long)]
    save_dir: Option<PathBuf>,
    /// Steps between checkpoints (with --save-dir); the last step is always saved.
    #[arg(long, default_value_t = 1000)]
    save_every: i64,
    /// Checkpoints to keep (0 keeps all).
    #[arg(long, default_value_t = 5)]
    max_to_keep: usize,
    /// Also keep one checkpoint every H hours.
    #[arg(long)]
    keep_every_hours: Option<f64>,
    /// A failed save (disk full, permission denied, directory removed): `fail` stops
    /// with the error and a non-zero exit, `warn` prints it and goes on training (the
    /// exit is still non-zero if the last step's save failed).
    #[arg(long, value_enum, default_value = "fail")]
    save_errors: SaveErrors,
}

/// The bundled MNIST copy of this checkout, else `fixtures/mnist`.
fn default_data() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist")
}

pub fn run(a: TrainArgs) -> Result<()> {
    let kind = match a.model {
        Model::Softmax => ModelKind::Softmax,
        Model::Mlp => ModelKind::Mlp,
        Model::Lenet => ModelKind::Lenet,
    };
    let mut opts = TrainOptions::defaults(kind);
    opts.batch_size = a.batch_size;
    opts.seed = a.seed;
    opts.model.seed = a.seed as i64;
    if let Some(v) = a.learning_rate {
        opts.model.learning_rate = v;
    }
    if let Some(v) = a.lr_decay {
        opts.model.lr_decay = v;
    }
    if let Some(v) = a.l2 {
        opts.model.l2 = v;
    }
    if let Some(v) = a.ema_decay {
        opts.model.ema_decay = (v > 0.0).then_some(v);
    }
    if a.batch_size == 0 {
        anyhow::bail!("--batch-size must be at least 1");
    }
    opts.model.decay_steps = (55000 / a.batch_size).max(1) as f32;
    let data = cairn::mnist::load(&a.data)
        .with_context(|| format!("loading MNIST from {}", a.data.display()))?;
    let mut t = Trainer::new(data, &opts).context("building the model")?;
    let mut saver = cairn::checkpoint::Saver::new(a.max_to_keep, a.keep_every_hours);
    if let Some(dir) = &a.save_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        saver.recover_last_checkpoints(dir)?;
        if let Some(prefix) = cairn::checkpoint::latest_checkpoint(dir)? {
            let r = t
                .restore(&prefix)
                .with_context(|| format!("resuming from {}", prefix.display()))?;
            if !quiet() {
                eprintln!(
                    "resuming from {} at step {}{}",
                    prefix.display(),
                    r.step,
                    if r.batch_position {
                        ""
                    } else {
                        " (no batch position in it: a fresh shuffle)"
                    }
                );
            }
        }
    }
    let mut log = match &a.logdir {
        Some(dir) => Some(TrainLog::create(dir, &t)?),
        None => None,
    };
    let progress = Progress::new(t.global_step() as u64, a.steps.max(0) as u64, quiet());
    let started = Instant::now();
    let mut last_save_failed: Option<anyhow::Error> = None;
    while t.global_step() < a.steps {
        let next = t.global_step() + 1;
        let logged = a.log_every > 0 && (next % a.log_every == 0 || next == a.steps);
        // The rate this step trains with (read before the step increments global_step).
        let lr = match &log {
            Some(_) if logged => Some(TrainLog::learning_rate(&mut t)?),
            _ => None,
        };
        let loss = t.step()?;
        let step = t.global_step();
        progress.set(step as u64);
        if logged {
            let acc = t.evaluate(Split::Validation, true)?;
            progress.line(&format!(
                "step {step}: batch loss {loss:.4}, validation accuracy {:.2}%{}",
                acc * 100.0,
                progress.rate_eta()
            ));
            if let (Some(log), Some(lr)) = (&mut log, lr) {
                log.log(step, loss, lr, acc)
                    .with_context(|| format!("writing {}", log.path().display()))?;
            }
        }
        if let Some(dir) = &a.save_dir {
            if (a.save_every > 0 && step % a.save_every == 0) || step == a.steps {
                match t.save(&mut saver, dir) {
                    Ok(p) => {
                        last_save_failed = None;
                        progress.line(&format!("saved {}", p.display()))
                    }
                    Err(e) if a.save_errors == SaveErrors::Warn => {
                        let e = anyhow::Error::from(e);
                        progress.suspend(|| {
                            eprintln!(
                                "warning: saving step {step} in {} failed: {e:#}; training goes \
                                 on (--save-errors warn)",
                                dir.display()
                            )
                        });
                        last_save_failed = Some(e.context(format!("saving step {step}")));
                    }
                    Err(e) => {
                        return Err(anyhow::Error::from(e).context(format!(
                            "saving the checkpoint of step {step} in {} (the previous one \
                             stays the latest)",
                            dir.display()
                        )))
                    }
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
    let test = t.evaluate(Split::Test, true)?;
    let test_raw = t.evaluate(Split::Test, false)?;
    let validation = t.evaluate(Split::Validation, true)?;
    if !quiet() {
        eprintln!(
            "trained {} to step {} in {seconds:.1} s: test accuracy {:.2}% (trained weights {:.2}%)",
            kind.name(),
            t.global_step(),
            test * 100.0,
            test_raw * 100.0
        );
    }
    if a.json {
        let report = serde_json::json!({
            "model": kind.name(),
            "step": t.global_step(),
            "test_accuracy": round4(test),
            "test_accuracy_raw": round4(test_raw),
            "validation_accuracy": round4(validation),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
        println!("{report}");
    }
    match last_save_failed {
        Some(e) => Err(e.context("the last checkpoint could not be saved")),
        None => Ok(()),
    }
}

fn round4(x: f64) -> f64 {
    (x * 10000.0).round() / 10000.0
}
