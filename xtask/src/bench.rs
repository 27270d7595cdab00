//! `cargo xtask bench`: cairn against TensorFlow and PyTorch, written to `docs/BENCHMARKS.md`.
//! The checkpoint part (cairn, TensorFlow's Saver, `dd`) is in [`checkpoint`].

mod checkpoint;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::flags::BenchArgs;
use crate::python::{self, Purpose, Python};
use crate::report::{FullRun, Report, StepTiming};
use crate::sysinfo;

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

/// The last stdout line that parses as a JSON object.
pub fn last_json_line(stdout: &str) -> Result<Value> {
    stdout
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .find_map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(Value::is_object)
        })
        .with_context(|| format!("no JSON object line in stdout: {:?}", tail(stdout)))
}

fn tail(s: &str) -> &str {
    let start = s.char_indices().rev().nth(300).map_or(0, |(i, _)| i);
    &s[start..]
}

/// A finite number field of a JSON object.
pub fn field(json: &Value, key: &str, what: &str) -> Result<f64> {
    json.get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
        .with_context(|| format!("{what}: JSON has no finite number `{key}`: {json}"))
}

/// `step_ms_median`, `step_ms_min`, `steps` of a benchmark's JSON.
pub fn step_timing(json: &Value, what: &str) -> Result<StepTiming> {
    let steps = json
        .get("steps")
        .and_then(Value::as_u64)
        .with_context(|| format!("{what}: JSON has no integer `steps`: {json}"))?;
    Ok(StepTiming {
        median_ms: field(json, "step_ms_median", what)?,
        min_ms: field(json, "step_ms_min", what)?,
        steps,
    })
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

    #[test]
    fn parses_the_last_json_line() -> Result<()> {
        let out = "loading...\n{\"steps\": 1}\nnoise {\n{\"step_ms_median\": 1.5, \
                   \"step_ms_min\": 1.25, \"gemm_ms_median\": 1.0, \"steps\": 2000}\n";
        let json = last_json_line(out)?;
        let t = step_timing(&json, "test")?;
        assert_eq!(
            t,
            StepTiming {
                median_ms: 1.5,
                min_ms: 1.25,
                steps: 2000
            }
        );
        assert_eq!(field(&json, "gemm_ms_median", "test")?, 1.0);
        Ok(())
    }

    #[test]
    fn rejects_missing_or_bad_fields() -> Result<()> {
        assert!(last_json_line("no json here\n[1, 2]\n").is_err());
        let json = last_json_line("{\"step_ms_median\": \"fast\", \"steps\": -3}")?;
        assert!(field(&json, "step_ms_median", "t").is_err());
        assert!(field(&json, "absent", "t").is_err());
        assert!(step_timing(&json, "t").is_err());
        Ok(())
    }
}
