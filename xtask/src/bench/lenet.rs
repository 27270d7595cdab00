//! The LeNet part of `cargo xtask bench`: one training step at batch 100 in cairn
//! (`cairn train --model lenet`, two run lengths) and TensorFlow (`bench_tf_lenet.py`).
//!
//! `cairn train --json` reports `seconds`, the wall time of its training loop; with
//! `--log-every 0` nothing else (no validation) runs inside that loop. Two runs of
//! different lengths then differ by exactly the extra steps: the first step's planning,
//! data loading and the final evaluations cancel out.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::{field, python_command, run_json, THREADS};
use crate::python::Python;
use crate::report::{CairnLenet, LenetBench, TfLenet};

/// Step counts of one LeNet measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LenetPlan {
    /// Steps of cairn's short run.
    pub short_steps: u64,
    /// Steps of cairn's long run.
    pub long_steps: u64,
    /// TensorFlow's timed steps.
    pub tf_steps: u64,
    /// TensorFlow's untimed steps before them.
    pub tf_warmup: u64,
    /// Rounds of each measurement (the fastest is kept).
    pub rounds: u64,
}

impl LenetPlan {
    /// 20 and 120 cairn steps, 100 (+20) TensorFlow steps, 3 rounds; with `--quick` 5 and
    /// 25, 20 (+5), 1 round.
    pub fn new(quick: bool) -> LenetPlan {
        if quick {
            LenetPlan {
                short_steps: 5,
                long_steps: 25,
                tf_steps: 20,
                tf_warmup: 5,
                rounds: 1,
            }
        } else {
            LenetPlan {
                short_steps: 20,
                long_steps: 120,
                tf_steps: 100,
                tf_warmup: 20,
                rounds: 3,
            }
        }
    }
}

/// `seconds` of one `cairn train --model lenet --steps N --log-every 0 --json` run.
fn cairn_loop_seconds(repo: &Path, cairn: &Path, steps: u64) -> Result<f64> {
    let steps = steps.to_string();
    let (json, _) = run_json(
        &format!("cairn train --model lenet --steps {steps}"),
        Command::new(cairn)
            .args(["train", "--model", "lenet", "--steps", &steps])
            .args(["--log-every", "0", "--json"])
            .env("RAYON_NUM_THREADS", THREADS.to_string())
            .current_dir(repo),
    )?;
    field(&json, "seconds", "cairn train --model lenet")
}

fn cairn(repo: &Path, bin: &Path, plan: &LenetPlan) -> Result<CairnLenet> {
    let (mut short_s, mut long_s) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..plan.rounds {
        short_s = short_s.min(cairn_loop_seconds(repo, bin, plan.short_steps)?);
        long_s = long_s.min(cairn_loop_seconds(repo, bin, plan.long_steps)?);
    }
    Ok(CairnLenet {
        short_steps: plan.short_steps,
        short_s,
        long_steps: plan.long_steps,
        long_s,
    })
}

fn tf(repo: &Path, python: &Python, plan: &LenetPlan) -> Result<TfLenet> {
    let (steps, warmup) = (plan.tf_steps.to_string(), plan.tf_warmup.to_string());
    let mut best: Option<TfLenet> = None;
    for _ in 0..plan.rounds {
        let (json, _) = run_json(
            "bench_tf_lenet.py",
            python_command(python, repo, "bench_tf_lenet.py")
                .args(["--steps", &steps, "--warmup", &warmup]),
        )?;
        let round = TfLenet {
            median_ms: field(&json, "tf_lenet_step_ms", "bench_tf_lenet.py")?,
            cpu_ms: field(&json, "tf_lenet_step_cpu_ms", "bench_tf_lenet.py")?,
            steps: plan.tf_steps,
            warmup: plan.tf_warmup,
        };
        if best.as_ref().is_none_or(|b| round.median_ms < b.median_ms) {
            best = Some(round);
        }
    }
    best.ok_or_else(|| anyhow::anyhow!("no rounds"))
}

/// Measures both; a framework that fails gets its error in the report instead of a number.
pub fn measure(repo: &Path, bin: &Path, python: &Python, quick: bool) -> LenetBench {
    let plan = LenetPlan::new(quick);
    let why = |e: anyhow::Error| {
        eprintln!("xtask: {e:#}");
        format!("failed: {e}")
    };
    LenetBench {
        rounds: plan.rounds,
        cairn: cairn(repo, bin, &plan).map_err(why),
        tf: tf(repo, python, &plan).map_err(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() -> Result<()> {
        let (full, quick) = (LenetPlan::new(false), LenetPlan::new(true));
        assert_eq!(
            (full.short_steps, full.long_steps, full.rounds),
            (20, 120, 3)
        );
        assert!(quick.long_steps > quick.short_steps && quick.rounds == 1);
        assert!(quick.tf_steps < full.tf_steps);
        Ok(())
    }
}
