//! The programs `cargo xtask interop` runs: the `cairn` binary and
//! `xtask/python/interop_classic.py`, each printing JSON on stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::parse;
use super::report::FINAL_STEP;
use crate::bench::last_json_line;
use crate::python::Python;

/// Builds `cairn` in release and returns its path; `$CAIRN_BIN`, if set, names an
/// already-built binary instead (no build).
pub fn cairn_binary(repo: &Path) -> Result<PathBuf> {
    crate::cairn_bin::cairn_binary(repo, "CAIRN_BIN")
}

/// The two programs and the directory the experiments share.
pub struct Tools {
    /// The repository root (working directory of every program).
    pub repo: PathBuf,
    /// The interpreter with TensorFlow.
    pub python: Python,
    /// The `cairn` binary.
    pub cairn: PathBuf,
    /// Where the checkpoints go.
    pub work: PathBuf,
}

impl Tools {
    /// `relative` under the work directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.work.join(relative)
    }

    /// The MNIST directory both frameworks read.
    pub fn data(&self) -> String {
        self.repo
            .join("fixtures")
            .join("mnist")
            .to_string_lossy()
            .into_owned()
    }

    /// `cairn --version` and the git revision of the checkout.
    pub fn cairn_version(&self) -> String {
        let out = Command::new(&self.cairn).arg("--version").output();
        let version = out
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "cairn (unknown version)".into());
        let rev = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(&self.repo)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        match rev {
            Some(rev) => format!("{version} (git {rev})"),
            None => version,
        }
    }

    /// `cairn train --steps FINAL_STEP --save-dir WORK/dir`: (step, accuracy, stderr).
    pub fn cairn_train(&self, dir: &str) -> Result<(i64, f64, String)> {
        self.cairn_train_to(dir, FINAL_STEP)
    }

    /// `cairn train --steps STEPS --save-dir WORK/dir`: (step, accuracy, stderr).
    pub fn cairn_train_to(&self, dir: &str, steps: i64) -> Result<(i64, f64, String)> {
        let save_dir = self.path(dir).to_string_lossy().into_owned();
        let steps = steps.to_string();
        let data = self.data();
        let (json, stderr) = self.cairn(&[
            "train",
            "--model",
            "mlp",
            "--data",
            &data,
            "--steps",
            &steps,
            "--save-dir",
            &save_dir,
            "--json",
        ])?;
        let (step, acc) = parse::cairn_train(&json)?;
        Ok((step, acc, stderr))
    }

    /// `interop_classic.py train` in WORK/dir up to `steps` with that step variable.
    pub fn tf_train(&self, dir: &str, steps: i64, step_var: &str) -> Result<parse::TfTrain> {
        let save_dir = self.path(dir).to_string_lossy().into_owned();
        let steps = steps.to_string();
        let json = self.python(&[
            "train",
            "--save-dir",
            &save_dir,
            "--steps",
            &steps,
            "--step-var",
            step_var,
        ])?;
        parse::tf_train(&json)
    }

    /// Runs `cairn ARGS`: its JSON and its stderr.
    pub fn cairn(&self, args: &[&str]) -> Result<(Value, String)> {
        let mut cmd = Command::new(&self.cairn);
        cmd.args(args).current_dir(&self.repo);
        run_json(&format!("cairn {}", args.join(" ")), &mut cmd)
    }

    /// Runs `interop_classic.py ARGS`: its JSON.
    pub fn python(&self, args: &[&str]) -> Result<Value> {
        let script = self
            .repo
            .join("xtask")
            .join("python")
            .join("interop_classic.py");
        let mut cmd = self.python.command();
        cmd.arg(script)
            .arg("--data")
            .arg(self.data())
            .args(args)
            .current_dir(&self.repo)
            .env("TF_CPP_MIN_LOG_LEVEL", "2");
        run_json(&format!("interop_classic.py {}", args.join(" ")), &mut cmd).map(|(j, _)| j)
    }
}

/// Runs `cmd`; returns its last JSON line of stdout and its whole stderr. On failure the
/// error carries the end of its stderr.
fn run_json(what: &str, cmd: &mut Command) -> Result<(Value, String)> {
    eprintln!("xtask: {what}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting {what} ({:?})", cmd.get_program()))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("{what} failed ({}): {}", out.status, tail.join(" / "));
    }
    let json = stdout_json(&String::from_utf8_lossy(&out.stdout))
        .with_context(|| format!("reading {what}'s output"))?;
    Ok((json, stderr))
}

/// The whole of `stdout` when it is one (pretty-printed) JSON object, else its last line
/// that is one.
fn stdout_json(stdout: &str) -> Result<Value> {
    match serde_json::from_str::<Value>(stdout.trim()) {
        Ok(v) if v.is_object() => Ok(v),
        _ => last_json_line(stdout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_or_last_line() -> Result<()> {
        let pretty = "{\n  \"tensors\": [\n    {\"name\": \"a\"}\n  ]\n}\n";
        assert_eq!(stdout_json(pretty)?["tensors"][0]["name"], "a");
        let lines = "restored x\n{\"step\": 1}\n{\"step\": 2}\n";
        assert_eq!(stdout_json(lines)?["step"], 2);
        assert!(stdout_json("[1, 2]\n").is_err());
        assert!(stdout_json("").is_err());
        Ok(())
    }
}
