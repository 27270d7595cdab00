//! End-to-end tests of the `cairn` command line.

mod cli_checkpoint;
mod cli_classify;
mod cli_convert;
mod cli_events;
mod cli_graph;
mod cli_lenet;
mod cli_meta_train;
mod cli_more;
mod cli_reliability;
mod cli_resume;
mod cli_retrain;

use std::path::Path;
use std::process::Command;

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

pub(crate) fn cairn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
}

fn data_dir() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist")
}

pub(crate) fn train_json(args: &[&str]) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let out = cairn().arg("train").args(args).output()?;
    assert!(
        out.status.success(),
        "cairn train failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout)?;
    let last = stdout.lines().last().ok_or("no output")?;
    Ok(serde_json::from_str(last)?)
}

#[test]
fn train_mlp_few_hundred_steps_learns_and_is_deterministic() -> TestResult {
    let args = [
        "--model",
        "mlp",
        "--steps",
        "300",
        "--log-every",
        "150",
        "--seed",
        "7",
        "--json",
    ];
    let a = train_json(&args)?;
    assert_eq!(a["model"], "mlp");
    assert_eq!(a["step"], 300);
    let acc = a["test_accuracy"].as_f64().ok_or("test_accuracy")?;
    assert!(
        acc > 0.90,
        "300 steps of the MLP should pass 90%, got {acc}"
    );
    for key in ["test_accuracy_raw", "validation_accuracy", "seconds"] {
        assert!(a[key].is_number(), "{key} missing");
    }
    // Same seed, same numbers (apart from the wall time).
    let b = train_json(&args)?;
    for key in [
        "test_accuracy",
        "test_accuracy_raw",
        "validation_accuracy",
        "step",
    ] {
        assert_eq!(a[key], b[key], "{key} differs between identical runs");
    }
    Ok(())
}

#[test]
fn train_softmax_runs() -> TestResult {
    let v = train_json(&[
        "--model",
        "softmax",
        "--steps",
        "200",
        "--log-every",
        "0",
        "--json",
        "--quiet",
    ])?;
    assert_eq!(v["model"], "softmax");
    assert!(v["test_accuracy"].as_f64().ok_or("acc")? > 0.85);
    Ok(())
}

fn copy_data(to: &Path) -> TestResult {
    for f in std::fs::read_dir(data_dir())? {
        let f = f?;
        std::fs::copy(f.path(), to.join(f.file_name()))?;
    }
    Ok(())
}

#[test]
fn bad_data_is_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    copy_data(dir.path())?;
    // A gzip stream cut short.
    let labels = dir.path().join("t10k-labels-idx1-ubyte.gz");
    let bytes = std::fs::read(&labels)?;
    std::fs::write(&labels, &bytes[..bytes.len() / 2])?;
    let out = cairn()
        .args(["train", "--steps", "1", "--data"])
        .arg(dir.path())
        .output()?;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("t10k-labels-idx1-ubyte"),
        "error should name the file: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // A wrong magic number in a raw file.
    std::fs::write(&labels, [0u8, 0, 8, 9, 0, 0, 0, 1, 3])?;
    let out = cairn()
        .args(["train", "--steps", "1", "--data"])
        .arg(dir.path())
        .output()?;
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));

    // A missing directory.
    let out = cairn()
        .args(["train", "--data", "/nonexistent/mnist"])
        .output()?;
    assert!(!out.status.success());
    Ok(())
}
