//! The image-model part of `cargo xtask bench`: batch-1 latency of the full-size frozen
//! Keras MobileNetV2 and InceptionV3 in cairn (`cairn bench`), TensorFlow
//! (`bench_tf_graph.py`) and tract (`xtask/tract-bench`), same input file, runs, warm-up
//! and thread count for all three.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::{field, last_json_line, python_command, THREADS};
use crate::flags::BenchArgs;
use crate::python::Python;
use crate::report::{ImageBench, ImageModel, Latency};

/// The models: display name, file stem under `fixtures/images/full/`, input shape.
const MODELS: [(&str, &str, &str); 2] = [
    ("MobileNetV2", "mobilenet_v2_full", "1x224x224x3"),
    ("InceptionV3", "inception_v3_full", "1x299x299x3"),
];

/// What the report says when the tract binary is missing.
pub const TRACT_NOT_BUILT: &str = "tract not built (cargo xtask bench --tract builds it, ~18 min)";

/// Runs, warm-up runs and rounds: 30, 5 and 3, or 5, 2 and 1 with `--quick`.
pub fn plan(quick: bool) -> (u64, u64, u64) {
    if quick {
        (5, 2, 1)
    } else {
        (30, 5, 3)
    }
}

fn full_dir(repo: &Path) -> PathBuf {
    repo.join("fixtures").join("images").join("full")
}

/// The files a model needs: graph, input, TensorFlow's output.
fn model_files(repo: &Path, stem: &str) -> [PathBuf; 3] {
    let dir = full_dir(repo);
    [
        dir.join(format!("{stem}.pb")),
        dir.join(format!("{stem}_in0.npy")),
        dir.join(format!("{stem}_out0.npy")),
    ]
}

/// Makes the git-ignored full-size models with TensorFlow when any file is missing
/// (`CAIRN_FIXTURES_FULL=1 xtask/python/fixtures_images.py`, a few minutes).
fn ensure_models(repo: &Path, python: &Python) -> Result<()> {
    let missing = |repo: &Path| {
        MODELS
            .iter()
            .flat_map(|(_, stem, _)| model_files(repo, stem))
            .find(|p| !p.exists())
    };
    let Some(first) = missing(repo) else {
        return Ok(());
    };
    eprintln!(
        "xtask: {} is missing; making the full-size models with fixtures_images.py",
        first.display()
    );
    let status = python_command(python, repo, "fixtures_images.py")
        .env("CAIRN_FIXTURES_FULL", "1")
        .stdin(Stdio::null())
        .status()
        .context("starting fixtures_images.py")?;
    if !status.success() {
        bail!("CAIRN_FIXTURES_FULL=1 fixtures_images.py failed ({status})");
    }
    match missing(repo) {
        Some(p) => bail!("fixtures_images.py did not write {}", p.display()),
        None => Ok(()),
    }
}

fn tract_dir(repo: &Path) -> PathBuf {
    repo.join("xtask").join("tract-bench")
}

/// The tract-bench binary: built first with `--tract`, else used if present.
fn tract_binary(repo: &Path, build: bool) -> Result<PathBuf, String> {
    let dir = tract_dir(repo);
    let bin = dir.join("target").join("release").join("tract-bench");
    if build {
        eprintln!("xtask: building xtask/tract-bench (tract-tensorflow; ~18 min from scratch)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("tract not built: cannot start cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "tract not built: its cargo build failed ({status})"
            ));
        }
    }
    if bin.exists() {
        Ok(bin)
    } else {
        Err(TRACT_NOT_BUILT.to_owned())
    }
}

/// The `tract-tensorflow` version in a `Cargo.lock`'s text.
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            let version = lines.next()?.strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

/// One line saying what went wrong, from a failed program's stderr: a Rust `Error: …`
/// with its innermost `Caused by:` entry, a Python exception, else the last non-empty
/// line; made safe for a table cell.
pub fn error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let rust = lines
        .iter()
        .position(|l| l.starts_with("Error: "))
        .map(|i| {
            let error = &lines[i]["Error: ".len()..];
            // anyhow's `Caused by:` entries are `N: message` (a backtrace may follow).
            let innermost = lines[i + 1..]
                .iter()
                .skip_while(|l| **l != "Caused by:")
                .skip(1)
                .map_while(|l| {
                    let (n, message) = l.split_once(": ")?;
                    n.bytes().all(|b| b.is_ascii_digit()).then_some(message)
                })
                .last();
            match innermost {
                Some(cause) => format!("{error}: {cause}"),
                None => error.to_owned(),
            }
        });
    let pick = rust
        .or_else(|| {
            let line = lines.iter().rev().find(|l| l.contains("Error"))?;
            Some((*line).to_owned())
        })
        .or_else(|| lines.last().map(|l| (*l).to_owned()))
        .unwrap_or_else(|| "no message".to_owned());
    let mut line: String = pick.replace('|', "/").chars().take(200).collect();
    if pick.chars().count() > 200 {
        line.push('…');
    }
    line
}

/// Runs one benchmark process on `model`; `Err` is "`who` failed: <its error line>".
fn run_one(who: &str, model: &str, cmd: &mut Command) -> Result<(Latency, Value), String> {
    eprintln!("xtask: running {who} on {model}");
    let out = cmd
        .stdin(Stdio::null())
        .env("RAYON_NUM_THREADS", THREADS.to_string())
        .env("RUST_BACKTRACE", "0")
        .output()
        .map_err(|e| format!("{who} failed: cannot start it: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{stderr}");
        return Err(format!("{who} failed: {}", error_line(&stderr)));
    }
    let parse = || -> Result<(Latency, Value)> {
        let json = last_json_line(&String::from_utf8_lossy(&out.stdout))?;
        let lat = Latency {
            median_ms: field(&json, "median_ms", who)?,
            min_ms: field(&json, "min_ms", who)?,
            max_ms: field(&json, "max_ms", who)?,
        };
        Ok((lat, json))
    };
    parse().map_err(|e| format!("{who} failed: {e:#}"))
}

/// Keeps the better of a previous result and a new round (a failure stays a failure).
fn keep_best(
    slot: &mut Option<Result<Latency, String>>,
    new: Result<(Latency, Value), String>,
) -> Option<Value> {
    match (slot.take(), new) {
        (Some(Err(e)), _) | (_, Err(e)) => {
            *slot = Some(Err(e));
            None
        }
        (prev, Ok((lat, json))) => {
            *slot = Some(Ok(Latency::best(prev.and_then(Result::ok), lat)));
            Some(json)
        }
    }
}

/// Measures both models with the three frameworks.
pub fn measure(repo: &Path, cairn: &Path, python: &Python, args: &BenchArgs) -> Result<ImageBench> {
    ensure_models(repo, python)?;
    let tract = tract_binary(repo, args.tract);
    let tract_version = std::fs::read_to_string(tract_dir(repo).join("Cargo.lock"))
        .ok()
        .and_then(|lock| locked_version(&lock, "tract-tensorflow"));
    let (runs, warmup, rounds) = plan(args.quick);
    let (runs_s, warmup_s, threads_s) = (runs.to_string(), warmup.to_string(), THREADS.to_string());
    let mut results = vec![[None, None, None]; MODELS.len()];
    let mut diffs = vec![None; MODELS.len()];
    for _ in 0..rounds {
        for (i, (name, stem, _)) in MODELS.iter().enumerate() {
            let [graph, input, output] = model_files(repo, stem);
            let feed = format!("input:0={}", input.display());
            let [c, t, r] = &mut results[i];
            let skip = |slot: &Option<Result<Latency, String>>| matches!(slot, Some(Err(_)));
            // TensorFlow's script and tract-bench take the same flags.
            let same_flags = |cmd: &mut Command| {
                cmd.arg(&graph)
                    .args(["--feed", &feed, "--fetch", "Identity:0"])
                    .args(["--runs", &runs_s, "--warmup", &warmup_s])
                    .args(["--threads", &threads_s]);
            };
            if !skip(c) {
                let mut cmd = Command::new(cairn);
                cmd.arg("bench").arg(&graph).args(["--feed", &feed]);
                cmd.args([
                    "--fetch",
                    "Identity:0",
                    "--runs",
                    &runs_s,
                    "--warmup",
                    &warmup_s,
                ]);
                keep_best(c, run_one("cairn bench", name, cmd.arg("--json")));
            }
            if !skip(t) {
                let mut cmd = python_command(python, repo, "bench_tf_graph.py");
                same_flags(&mut cmd);
                keep_best(t, run_one("bench_tf_graph.py", name, &mut cmd));
            }
            match &tract {
                Err(why) => *r = Some(Err(why.clone())),
                Ok(_) if skip(r) => {}
                Ok(bin) => {
                    let mut cmd = Command::new(bin);
                    same_flags(&mut cmd);
                    cmd.arg("--expect").arg(&output);
                    if let Some(json) = keep_best(r, run_one("tract", name, &mut cmd)) {
                        diffs[i] = json.get("max_abs_diff").and_then(Value::as_f64);
                    }
                }
            }
        }
    }
    let missing = || Err("not run".to_owned());
    let models = MODELS
        .iter()
        .zip(results)
        .zip(diffs)
        .map(|(((name, _, input), [c, t, r]), diff)| ImageModel {
            name: (*name).to_owned(),
            input: (*input).to_owned(),
            cairn: c.unwrap_or_else(missing),
            tf: t.unwrap_or_else(missing),
            tract: r.unwrap_or_else(missing),
            tract_max_abs_diff: diff,
        })
        .collect();
    Ok(ImageBench {
        runs,
        warmup,
        rounds,
        threads: THREADS,
        tract_version,
        models,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_locked_version() -> Result<()> {
        let lock = "[[package]]\nname = \"tract-hir\"\nversion = \"0.23.9\"\n\n[[package]]\n\
                    name = \"tract-tensorflow\"\nversion = \"0.23.9\"\nsource = \"registry\"\n";
        assert_eq!(
            locked_version(lock, "tract-tensorflow").as_deref(),
            Some("0.23.9")
        );
        assert_eq!(locked_version(lock, "tract-onnx"), None);
        assert_eq!(
            locked_version("name = \"tract-tensorflow\"\n", "tract-tensorflow"),
            None
        );
        Ok(())
    }

    #[test]
    fn picks_the_error_line() -> Result<()> {
        let tract = "warning: x\nError: Failed analyse for node #12 \"a|b\" Pad\n\nCaused by:\n \
                     0: Infering facts\n    1: Impossible to unify I32 with TDim.\n";
        assert_eq!(
            error_line(tract),
            "Failed analyse for node #12 \"a/b\" Pad: Impossible to unify I32 with TDim."
        );
        assert_eq!(error_line("Error: plain\n"), "plain");
        let with_backtrace = "Error: top\n\nCaused by:\n    0: middle\n    1: bottom\n\n\
                              Stack backtrace:\n   0: anyhow::error\n  16: _start\n";
        assert_eq!(error_line(with_backtrace), "top: bottom");
        let python = "Traceback (most recent call last):\n  File \"x.py\"\nValueError: bad feed\n";
        assert_eq!(error_line(python), "ValueError: bad feed");
        assert_eq!(error_line("\n  last words \n\n"), "last words");
        assert_eq!(error_line(""), "no message");
        assert_eq!(error_line(&"x".repeat(300)).chars().count(), 201);
        Ok(())
    }

    #[test]
    fn keeps_the_best_round_and_failures() -> Result<()> {
        let lat = |m| Latency {
            median_ms: m,
            min_ms: m,
            max_ms: m,
        };
        let mut slot = None;
        assert!(keep_best(&mut slot, Ok((lat(3.0), Value::Null))).is_some());
        keep_best(&mut slot, Ok((lat(2.0), Value::Null)));
        keep_best(&mut slot, Ok((lat(4.0), Value::Null)));
        assert_eq!(slot, Some(Ok(lat(2.0))));
        assert!(keep_best(&mut slot, Err("x failed: y".into())).is_none());
        keep_best(&mut slot, Ok((lat(1.0), Value::Null)));
        assert_eq!(slot, Some(Err("x failed: y".into())));
        Ok(())
    }

    #[test]
    fn quick_plans_are_smaller() -> Result<()> {
        let (full, quick) = (plan(false), plan(true));
        assert!(quick.0 < full.0 && quick.1 <= full.1 && quick.2 <= full.2);
        Ok(())
    }
}
