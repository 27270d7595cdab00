//! The checkpoint part of `cargo xtask bench`: `dd` on the target disk, `cairn
//! bench-checkpoint` and `bench_tf_saver.py`, all writing in the same directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::{field, python_command, run_json};
use crate::flags::BenchArgs;
use crate::python::Python;
use crate::report::{CairnCheckpoint, CheckpointBench, TfSaver};

/// Timed repetitions of each operation.
const REPEATS: u64 = 3;

/// Removes the benchmark directory when dropped (also on errors).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the three measurements: 1 GiB in 256 tensors (`--quick`: 256 MiB in 64).
pub fn measure(
    repo: &Path,
    cairn: &Path,
    python: &Python,
    args: &BenchArgs,
) -> Result<CheckpointBench> {
    let (size_mb, tensors) = if args.quick { (256, 64) } else { (1024, 256) };
    let parent = args
        .checkpoint_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    let dir = TempDir(parent.join(format!("cairn-bench-checkpoint-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).with_context(|| format!("creating {}", dir.0.display()))?;
    let dir_s = dir.0.display().to_string();
    let (size_s, tensors_s, repeats_s) = (
        size_mb.to_string(),
        tensors.to_string(),
        REPEATS.to_string(),
    );

    // dd before and after the others, so that a change of the disk's mood shows.
    let mut dd_seconds = Vec::new();
    for _ in 0..2 {
        dd_seconds.push(dd(&dir.0, size_mb)?);
    }
    let (json, _) = run_json(
        "cairn bench-checkpoint",
        Command::new(cairn)
            .args(["bench-checkpoint", "--dir", &dir_s, "--size-mb", &size_s])
            .args(["--tensors", &tensors_s, "--repeats", &repeats_s, "--json"])
            .current_dir(repo),
    )?;
    let cairn_json = cairn_checkpoint(&json)?;
    let bytes = json
        .get("bytes")
        .and_then(Value::as_u64)
        .context("cairn bench-checkpoint: no integer `bytes`")?;
    let tf = run_json(
        "bench_tf_saver.py",
        python_command(python, repo, "bench_tf_saver.py")
            .args(["--dir", &dir_s, "--size-mb", &size_s])
            .args(["--tensors", &tensors_s, "--repeats", &repeats_s]),
    )
    .and_then(|(json, _)| tf_saver(&json, bytes))
    .map_err(|e| {
        eprintln!("xtask: {e:#}");
        format!("bench_tf_saver.py failed: {e}")
    });
    dd_seconds.push(dd(&dir.0, size_mb)?);
    Ok(CheckpointBench {
        bytes,
        tensors,
        dir: parent.display().to_string(),
        repeats: REPEATS,
        dd_seconds,
        cairn: cairn_json,
        tf,
    })
}

fn cairn_checkpoint(json: &Value) -> Result<CairnCheckpoint> {
    let f = |k| field(json, k, "cairn bench-checkpoint");
    Ok(CairnCheckpoint {
        save: f("save_seconds")?,
        restore_into: f("restore_into_seconds")?,
        restore_into_mmap: f("restore_into_mmap_seconds")?,
        restore: f("restore_seconds")?,
        restore_mmap: f("restore_mmap_seconds")?,
        restore_sequential: json
            .get("restore_sequential_seconds")
            .and_then(Value::as_f64),
        fresh_memory: f("fresh_memory_seconds")?,
        one_tensor: f("one_tensor_seconds")?,
        list: f("list_seconds")?,
    })
}

fn tf_saver(json: &Value, bytes: u64) -> Result<TfSaver> {
    let f = |k| field(json, k, "bench_tf_saver.py");
    if f("bytes")? as u64 != bytes {
        bail!(
            "bench_tf_saver.py wrote {} bytes, cairn {bytes}",
            f("bytes")?
        );
    }
    Ok(TfSaver {
        save: f("save_seconds")?,
        save_fsync: f("save_fsync_seconds")?,
        restore: f("restore_seconds")?,
    })
}

/// Writes `size_mb` MiB of zeros to a file in `dir` with `dd bs=4M conv=fdatasync`;
/// returns the seconds dd reports (the file is removed).
fn dd(dir: &Path, size_mb: u64) -> Result<f64> {
    let file = dir.join("dd.bin");
    eprintln!("xtask: running dd ({size_mb} MiB, conv=fdatasync)");
    let out = Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", file.display()))
        .args(["bs=4M", &format!("count={}", size_mb / 4), "conv=fdatasync"])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .context("starting dd")?;
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("dd failed ({}): {stderr}", out.status);
    }
    let (bytes, seconds) = parse_dd(&stderr)?;
    if bytes != size_mb << 20 {
        bail!("dd wrote {bytes} bytes, not {size_mb} MiB: {stderr}");
    }
    Ok(seconds)
}

/// Bytes and seconds from dd's summary line (`N bytes (…) copied, S s, R MB/s`).
pub fn parse_dd(stderr: &str) -> Result<(u64, f64)> {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains(" copied, "))
        .with_context(|| format!("no `copied` line in dd's output: {stderr:?}"))?;
    let bytes = line
        .split_whitespace()
        .next()
        .and_then(|b| b.parse().ok())
        .with_context(|| format!("no byte count in {line:?}"))?;
    let seconds = line
        .split(" copied, ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .with_context(|| format!("no seconds in {line:?}"))?;
    Ok((bytes, seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dd_summaries() -> Result<()> {
        let gnu = "256+0 records in\n256+0 records out\n1073741824 bytes (1.1 GB, 1.0 GiB) \
                   copied, 1.14075 s, 941 MB/s\n";
        assert_eq!(parse_dd(gnu)?, (1 << 30, 1.14075));
        let busybox = "1073741824 bytes (1.0GB) copied, 2.5 seconds, 409.6MB/s\n";
        assert_eq!(parse_dd(busybox)?, (1 << 30, 2.5));
        assert!(parse_dd("dd: error writing: No space left on device\n").is_err());
        assert!(parse_dd("x bytes copied, 1 s\n").is_err());
        assert!(parse_dd("5 bytes copied, 0 s, inf B/s\n").is_err());
        Ok(())
    }

    #[test]
    fn reads_both_jsons() -> Result<()> {
        let cairn = serde_json::json!({
            "bytes": 1024, "save_seconds": 1.0, "restore_into_seconds": 0.25,
            "restore_into_mmap_seconds": 0.2, "restore_seconds": 0.5,
            "restore_mmap_seconds": 0.4, "fresh_memory_seconds": 0.3,
            "one_tensor_seconds": 0.001, "list_seconds": 0.0001,
        });
        let c = cairn_checkpoint(&cairn)?;
        assert_eq!((c.save, c.restore_into, c.list), (1.0, 0.25, 0.0001));
        let tf = serde_json::json!({
            "bytes": 1024, "save_seconds": 4.0, "save_fsync_seconds": 5.0,
            "restore_seconds": 1.5,
        });
        assert_eq!(tf_saver(&tf, 1024)?.save_fsync, 5.0);
        assert!(tf_saver(&tf, 2048).is_err());
        assert!(cairn_checkpoint(&tf).is_err());
        Ok(())
    }
}
