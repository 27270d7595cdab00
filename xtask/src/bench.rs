//! `cargo xtask bench`: cairn against TensorFlow, PyTorch and tract, written to
//! `docs/BENCHMARKS.md`. The MLP step and run are here; the checkpoint part (cairn,
//! TensorFlow's Saver, `dd`) is in [`checkpoint`], the image models (cairn, TensorFlow,
//! tract) in [`images`], the LeNet training step in [`lenet`]; [`json`] reads the programs'
//! reports.

mod checkpoint;
mod images;
mod json;
mod lenet;

pub use json::{field, last_json_line, step_timing};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::flags::BenchArgs;
use crate::python::{self, Purpose, Python};
use crate::report::{FullRun, Report, StepTiming};
use crate::sysinfo;

/// Threads every framework gets in the image and LeNet benchmarks (`RAYON_NUM_THREADS`
/// for cairn, the Session's intra- and inter-op pools for TensorFlow, the matrix-product
/// pool for tract).
pub const THREADS: u64 = 2;

/// Step counts of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Timed steps per framework.
    pub steps: u64,
    /// Untimed warm-up steps before them.
    pub warmup: u64,
    /// Steps of the whole training runs.
    pub full_steps: u64,
}

impl Plan {
    /// The plan for the given flags: 2000 (+200 warm-up) timed steps and 5000-step runs, or
    /// 200 (+20) and 500 with `--quick`; `--steps` overrides the timed count.
    pub fn new(args: &BenchArgs) -> Plan {
        let (steps, warmup, full_steps) = if args.quick {
            (200, 20, 500)
        } else {
            (2000, 200, 5000)
        };
        Plan {
            steps: args.steps.unwrap_or(steps),
            warmup,
            full_steps,
        }
    }
}

/// Runs the subcommand.
pub fn run(repo: &Path, args: &BenchArgs) -> Result<()> {
    let plan = Plan::new(args);
    let load_average = sysinfo::load_average();
    let python = python::find(repo, Purpose::Bench)
        .map_err(|why| anyhow::anyhow!("TensorFlow is not available: {why}; cannot benchmark"))?;
    let tf_version = python
        .module_version("tensorflow")
        .context("TensorFlow stopped importing")?;
    let torch_version = python.module_version("torch");

    let cairn = cairn_binary(repo)?;
    let (steps, warmup) = (plan.steps.to_string(), plan.warmup.to_string());
    let step_args = ["--mode", "steps", "--steps", &steps, "--warmup", &warmup];

    let (json, _) = run_json(
        "cairn bench-mlp",
        Command::new(&cairn)
            .args([
                "bench-mlp",
                "--steps",
                &steps,
                "--warmup",
                &warmup,
                "--json",
            ])
            .current_dir(repo),
    )?;
    let cairn_step = step_timing(&json, "cairn bench-mlp")?;
    let cairn_gemm_ms = field(&json, "gemm_ms_median", "cairn bench-mlp")?;

    let tf_classic = python_steps(&python, repo, "bench_tf_classic.py", &step_args)?;
    let tf_function = python_steps(&python, repo, "bench_tf_function.py", &step_args)?;
    let torch = match &torch_version {
        None => Err(format!("`import torch` fails in {}", python.path.display())),
        Some(_) => python_steps(&python, repo, "bench_torch.py", &step_args).map_err(|e| {
            eprintln!("xtask: {e:#}");
            "bench_torch.py failed".to_owned()
        }),
    };

    let full = plan.full_steps.to_string();
    let (json, wall_s) = run_json(
        "cairn train",
        Command::new(&cairn)
            .args(["train", "--model", "mlp", "--steps", &full, "--json"])
            .current_dir(repo),
    )?;
    let cairn_full = FullRun {
        wall_s,
        reported_s: field(&json, "seconds", "cairn train")?,
        test_accuracy: field(&json, "test_accuracy", "cairn train")?,
    };
    let (json, wall_s) = run_json(
        "bench_tf_classic.py --mode full",
        python_command(&python, repo, "bench_tf_classic.py")
            .args(["--mode", "full", "--steps", &full]),
    )?;
    let tf_full = FullRun {
        wall_s,
        reported_s: field(&json, "loop_seconds", "bench_tf_classic.py")?,
        test_accuracy: field(&json, "test_accuracy", "bench_tf_classic.py")?,
    };

    let checkpoints = if args.skip_checkpoint {
        Err("skipped with --skip-checkpoint".to_owned())
    } else {
        Ok(checkpoint::measure(repo, &cairn, &python, args)?)
    };
    let images = if args.skip_images {
        Err("skipped with --skip-images".to_owned())
    } else {
        images::measure(repo, &cairn, &python, args).map_err(|e| {
            eprintln!("xtask: image models: {e:#}");
            format!("{e:#}")
        })
    };
    let lenet = if args.skip_lenet {
        Err("skipped with --skip-lenet".to_owned())
    } else {
        Ok(lenet::measure(repo, &cairn, &python, args.quick))
    };

    let report = Report {
        date: sysinfo::today_utc(),
        nproc: sysinfo::nproc(),
        cpu_model: sysinfo::cpu_model(),
        load_average,
        python: python
            .version()
            .unwrap_or_else(|| "Python (unknown version)".into()),
        tf_version,
        torch_version,
        warmup: plan.warmup,
        full_steps: plan.full_steps,
        quick: args.quick,
        cairn: cairn_step,
        cairn_gemm_ms,
        tf_classic,
        tf_function,
        torch,
        cairn_full,
        tf_full,
        checkpoints,
        images,
        lenet,
    };
    let markdown = report.markdown();
    let out = repo.join("docs").join("BENCHMARKS.md");
    std::fs::create_dir_all(repo.join("docs")).context("creating docs/")?;
    std::fs::write(&out, &markdown).with_context(|| format!("writing {}", out.display()))?;
    println!("{markdown}");
    eprintln!("xtask: wrote {}", out.display());
    Ok(())
}

/// Builds `cairn` in release and returns its path; `$CAIRN_BENCH_BIN`, if set, names an
/// already-built binary instead (no build).
fn cairn_binary(repo: &Path) -> Result<PathBuf> {
    crate::cairn_bin::cairn_binary(repo, "CAIRN_BENCH_BIN")
}

fn python_command(python: &Python, repo: &Path, script: &str) -> Command {
    let mut cmd = python.command();
    cmd.arg(script_path(repo, script))
        .current_dir(repo)
        .env("TF_CPP_MIN_LOG_LEVEL", "2");
    cmd
}

fn script_path(repo: &Path, script: &str) -> PathBuf {
    repo.join("xtask").join("python").join(script)
}

fn python_steps(python: &Python, repo: &Path, script: &str, args: &[&str]) -> Result<StepTiming> {
    let (json, _) = run_json(script, python_command(python, repo, script).args(args))?;
    step_timing(&json, script)
}

/// Runs `cmd`, timing it from spawn to exit; parses its last JSON line of stdout. On failure
/// prints the program's stderr and returns an error.
fn run_json(what: &str, cmd: &mut Command) -> Result<(Value, f64)> {
    eprintln!("xtask: running {what}");
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting {what} ({:?})", cmd.get_program()))?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        bail!("{what} failed ({}); its stderr is above", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = last_json_line(&stdout).with_context(|| format!("reading {what}'s output"))?;
    Ok((json, wall))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() -> Result<()> {
        let full = Plan::new(&BenchArgs::default());
        assert_eq!(
            (full.steps, full.warmup, full.full_steps),
            (2000, 200, 5000)
        );
        let quick = Plan::new(&BenchArgs {
            quick: true,
            ..BenchArgs::default()
        });
        assert_eq!(
            (quick.steps, quick.warmup, quick.full_steps),
            (200, 20, 500)
        );
        let custom = Plan::new(&BenchArgs {
            steps: Some(7),
            ..BenchArgs::default()
        });
        assert_eq!(custom.steps, 7);
        Ok(())
    }
}
