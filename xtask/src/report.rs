//! The benchmark results and their rendering as `docs/BENCHMARKS.md`: the MLP step and
//! run here, the image models in [`images`], LeNet in [`lenet`], checkpoints in
//! [`checkpoints`], the promises table in [`promises`].

mod checkpoints;
mod images;
mod lenet;
mod promises;
mod reproduce;

use std::fmt::Write as _;

pub use checkpoints::{CairnCheckpoint, CheckpointBench, TfSaver};
pub use images::{ImageBench, ImageModel, Latency};
pub use lenet::{CairnLenet, LenetBench, TfLenet};
pub use promises::Ratio;

/// Timing of one framework's training step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTiming {
    /// Median step time, milliseconds.
    pub median_ms: f64,
    /// Fastest step, milliseconds.
    pub min_ms: f64,
    /// Number of timed steps.
    pub steps: u64,
}

/// A whole training run (start to finish as one process).
#[derive(Debug, Clone, PartialEq)]
pub struct FullRun {
    /// Process wall time measured by xtask, seconds.
    pub wall_s: f64,
    /// The time the program itself reports (cairn: `seconds`; TF: its training loop).
    pub reported_s: f64,
    /// Test accuracy with the EMA weights.
    pub test_accuracy: f64,
}

/// Everything one `cargo xtask bench` run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Date of the run, `YYYY-MM-DD`.
    pub date: String,
    /// CPUs available (`nproc`).
    pub nproc: usize,
    /// CPU model from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// The 1/5/15-minute load averages when the run started (`/proc/loadavg`), if known.
    pub load_average: Option<String>,
    /// `python --version`.
    pub python: String,
    /// TensorFlow version.
    pub tf_version: String,
    /// PyTorch version, if it imports.
    pub torch_version: Option<String>,
    /// Warm-up steps before timing.
    pub warmup: u64,
    /// Steps of the whole training runs.
    pub full_steps: u64,
    /// Whether this was a `--quick` smoke run.
    pub quick: bool,
    /// cairn's step (`cairn bench-mlp`).
    pub cairn: StepTiming,
    /// cairn's two big GEMMs alone, median milliseconds.
    pub cairn_gemm_ms: f64,
    /// TensorFlow, classic Session + feed_dict.
    pub tf_classic: StepTiming,
    /// TensorFlow 2, `tf.function` step.
    pub tf_function: StepTiming,
    /// PyTorch eager, or why it is not available.
    pub torch: Result<StepTiming, String>,
    /// `cairn train --model mlp`.
    pub cairn_full: FullRun,
    /// The classic TensorFlow script.
    pub tf_full: FullRun,
    /// The checkpoint benchmark, or why it was not run.
    pub checkpoints: Result<CheckpointBench, String>,
    /// The image-model benchmark, or why it was not run.
    pub images: Result<ImageBench, String>,
    /// The LeNet training-step benchmark, or why it was not run.
    pub lenet: Result<LenetBench, String>,
}

impl Report {
    /// The other frameworks' steps that were measured, by name.
    fn others(&self) -> Vec<(&'static str, &StepTiming)> {
        let mut v = vec![
            ("TF classic", &self.tf_classic),
            ("TF tf.function", &self.tf_function),
        ];
        if let Ok(t) = &self.torch {
            v.push(("PyTorch eager", t));
        }
        v
    }

    /// The project's promised ratios: the MLP's three, then the image models' (two per
    /// model) and LeNet's, marked unmeasured when their part did not run.
    pub fn ratios(&self) -> Vec<Ratio> {
        let mut v = self.mlp_ratios();
        match &self.images {
            Ok(b) => v.extend(b.ratios()),
            Err(why) => {
                for model in ["MobileNetV2", "InceptionV3"] {
                    for (other, target) in [("TensorFlow", 1.0), ("tract", 0.8)] {
                        let name = format!("{model} batch-1 latency: cairn / {other}");
                        v.push(promises::unmeasured(&name, target, why));
                    }
                }
            }
        }
        v.push(match &self.lenet {
            Ok(b) => b.ratio(),
            Err(why) => promises::unmeasured(
                "LeNet training step (batch 100): cairn / TensorFlow",
                0.5,
                why,
            ),
        });
        v
    }

    /// The three ratios of the MLP benchmark.
    fn mlp_ratios(&self) -> Vec<Ratio> {
        let (fastest, best) = self
            .others()
            .into_iter()
            .min_by(|a, b| a.1.median_ms.total_cmp(&b.1.median_ms))
            .map_or(("none", f64::NAN), |(n, t)| (n, t.median_ms));
        vec![
            Ratio {
                name: format!("cairn step / fastest other step ({fastest})"),
                value: Ok(self.cairn.median_ms / best),
                target: 0.6,
            },
            Ratio {
                name: "cairn step / cairn GEMM floor".to_owned(),
                value: Ok(self.cairn.median_ms / self.cairn_gemm_ms),
                target: 1.3,
            },
            Ratio {
                name: format!(
                    "cairn {}-step wall / TF classic script wall",
                    self.full_steps
                ),
                value: Ok(self.cairn_full.wall_s / self.tf_full.wall_s),
                target: 0.5,
            },
        ]
    }

    /// The report as Markdown (the content of `docs/BENCHMARKS.md`).
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let torch = self.torch_version.as_deref().unwrap_or("not available");
        let _ = writeln!(s, "# Benchmarks\n");
        let _ =
            writeln!(
            s,
            "Written by `cargo xtask bench`{} on {}: one run, all frameworks measured one after \
             the other on the same machine.\n",
            if self.quick { " --quick (a smoke run: few steps, numbers are rough)" } else { "" },
            self.date
        );
        let _ = writeln!(s, "- CPU: {} (`nproc` = {})", self.cpu_model, self.nproc);
        if let Some(load) = &self.load_average {
            let _ = writeln!(
                s,
                "- load average at the start: {load} (other work on the machine)"
            );
        }
        let tract = match &self.images {
            Ok(ImageBench {
                tract_version: Some(v),
                ..
            }) => format!(", tract {v} (tract-tensorflow)"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "- {}, TensorFlow {} (tensorflow-cpu), PyTorch {torch}{tract}\n",
            self.python, self.tf_version
        );
        let _ = writeln!(
            s,
            "## Training step\n\nThe classic 784-500-10 MLP (ReLU), batch 100 of real MNIST, one \
             full step: forward, cross-entropy + L2 1e-4, gradients, SGD with the decayed \
             learning rate, global step, EMA 0.99 of all weights. {} warm-up steps, then each \
             step timed alone (the Python scripts draw the batch before starting the clock; \
             feeding it is part of the step).\n",
            self.warmup
        );
        let _ = writeln!(
            s,
            "| implementation | median step (ms) | fastest step (ms) | steps timed |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|");
        step_row(&mut s, "cairn (`cairn bench-mlp`)", Ok(&self.cairn));
        let _ = writeln!(
            s,
            "| cairn GEMM floor (its two big GEMMs alone) | {:.3} | | |",
            self.cairn_gemm_ms
        );
        step_row(
            &mut s,
            "TensorFlow classic (`Session.run` + `feed_dict`)",
            Ok(&self.tf_classic),
        );
        step_row(
            &mut s,
            "TensorFlow 2 `tf.function` step",
            Ok(&self.tf_function),
        );
        step_row(&mut s, "PyTorch eager (2 threads)", self.torch.as_ref());
        let _ = writeln!(
            s,
            "\n## Whole training run\n\n{} steps from process start to exit (data loading, \
             training, test accuracy with the EMA weights); wall time measured by xtask.\n",
            self.full_steps
        );
        let _ = writeln!(
            s,
            "| program | wall (s) | self-reported (s) | test accuracy |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|");
        full_row(
            &mut s,
            "`cairn train --model mlp` (reports `seconds`)",
            &self.cairn_full,
        );
        full_row(
            &mut s,
            "TensorFlow classic script (reports its loop)",
            &self.tf_full,
        );
        s.push('\n');
        match &self.images {
            Ok(b) => s.push_str(&b.markdown()),
            Err(why) => s.push_str(&images::not_run(why)),
        }
        match &self.lenet {
            Ok(b) => s.push_str(&b.markdown()),
            Err(why) => s.push_str(&lenet::not_run(why)),
        }
        s.push_str(&promises::markdown(&self.ratios()));
        match &self.checkpoints {
            Ok(c) => s.push_str(&c.markdown()),
            Err(why) => s.push_str(&checkpoints::not_run(why)),
        }
        s.push_str(reproduce::REPRODUCE);
        s
    }
}

fn step_row(s: &mut String, name: &str, t: Result<&StepTiming, &String>) {
    let _ = match t {
        Ok(t) => writeln!(
            s,
            "| {name} | {:.3} | {:.3} | {} |",
            t.median_ms, t.min_ms, t.steps
        ),
        Err(why) => writeln!(s, "| {name} | not available ({why}) | | |"),
    };
}

fn full_row(s: &mut String, name: &str, r: &FullRun) {
    let _ = writeln!(
        s,
        "| {name} | {:.2} | {:.2} | {:.4} |",
        r.wall_s, r.reported_s, r.test_accuracy
    );
}

#[cfg(test)]
mod tests;
