//! `cairn train --logdir` (TensorBoard event files), `--quiet`, and clean piped output.

use super::{cairn, TestResult};
use cairn::summary::RunSummary;

#[test]
fn train_logdir_writes_graph_and_three_scalars() -> TestResult {
    let dir = tempfile::tempdir()?;
    let logdir = dir.path().join("logs");
    let out = cairn()
        .args(["train", "--steps", "200", "--log-every", "100", "--logdir"])
        .arg(&logdir)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Piped stderr (not a terminal): plain lines, no escape codes.
    assert!(
        !stderr.contains('\x1b'),
        "escape codes in piped stderr: {stderr:?}"
    );
    assert!(stderr.contains("step 100:"), "{stderr}");

    let files = cairn::summary::event_files(&logdir)?;
    assert_eq!(files.len(), 1);
    let name = files[0]
        .file_name()
        .ok_or("name")?
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("events.out.tfevents."), "{name}");

    let run = RunSummary::read_dir(&logdir)?;
    assert_eq!(run.file_versions, ["brain.Event:2"]);
    assert_eq!(run.graphs.len(), 1, "the graph is written once");
    let graph = cairn::graph::graphdef::from_graph_def_bytes(&run.graphs[0])?;
    assert!(graph.find("layer1/weights").is_some());
    for tag in ["loss", "learning_rate", "accuracy/validation"] {
        let points = run.scalars.get(tag).ok_or(tag)?;
        let steps: Vec<i64> = points.iter().map(|p| p.0).collect();
        assert_eq!(steps, [100, 200], "{tag}");
    }
    // The MLP's default rate: 0.8 decayed by 0.99 per 550-step epoch, still 0.8 here.
    assert!(run.scalars["learning_rate"]
        .iter()
        .all(|p| (p.1 - 0.8).abs() < 1e-6));
    let acc = run.scalars["accuracy/validation"][1].1;
    assert!(acc > 0.8 && acc <= 1.0, "validation accuracy {acc}");
    Ok(())
}

#[test]
fn learning_rate_is_the_decayed_rate_of_the_step() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Decay 0.5 every epoch of 55000/5000 = 11 steps (staircase): step 11 still trains at
    // the base rate, step 12 at half of it.
    let out = cairn()
        .args([
            "train",
            "--steps",
            "12",
            "--log-every",
            "1",
            "--batch-size",
            "5000",
            "--lr-decay",
            "0.5",
            "--learning-rate",
            "0.4",
            "--logdir",
        ])
        .arg(dir.path())
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = RunSummary::read_dir(dir.path())?;
    let lr = &run.scalars["learning_rate"];
    assert_eq!(lr.len(), 12);
    assert_eq!(lr[10], (11, 0.4f32 as f64));
    assert_eq!(lr[11], (12, 0.2f32 as f64));
    Ok(())
}

#[test]
fn quiet_prints_nothing_and_json_stays_clean() -> TestResult {
    let out = cairn()
        .args(["train", "--quiet", "--steps", "50", "--log-every", "10"])
        .output()?;
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );

    // --quiet is global: accepted before the subcommand too; --json still prints its line.
    let out = cairn()
        .args([
            "--quiet",
            "train",
            "--steps",
            "20",
            "--log-every",
            "10",
            "--json",
        ])
        .output()?;
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let stdout = String::from_utf8(out.stdout)?;
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim())?;
    assert_eq!(v["step"], 20);
    Ok(())
}

#[test]
fn quiet_eval_and_freeze_print_only_what_was_asked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ckpt = dir.path().join("ckpt");
    let out = cairn()
        .args([
            "--quiet",
            "train",
            "--steps",
            "20",
            "--log-every",
            "0",
            "--save-dir",
        ])
        .arg(&ckpt)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty() && out.stdout.is_empty());

    // Piped, not quiet: plain text, no escape codes.
    let out = cairn().args(["eval", "--checkpoint"]).arg(&ckpt).output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stderr.contains(&0x1b) && !out.stdout.contains(&0x1b));

    // eval --quiet --json: the JSON line on stdout, nothing on stderr.
    let out = cairn()
        .args(["eval", "--quiet", "--json", "--checkpoint"])
        .arg(&ckpt)
        .output()?;
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["step"], 20);

    // eval --quiet alone: nothing at all (the exit status says it worked).
    let out = cairn()
        .args(["eval", "--quiet", "--checkpoint"])
        .arg(&ckpt)
        .output()?;
    assert!(out.status.success());
    assert!(out.stderr.is_empty() && out.stdout.is_empty());

    // freeze --quiet: the .pb and nothing printed.
    let pb = dir.path().join("frozen.pb");
    let out = cairn()
        .args([
            "freeze",
            "--quiet",
            "--output-nodes",
            "layer2/add",
            "--checkpoint",
        ])
        .arg(&ckpt)
        .arg("--out")
        .arg(&pb)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty() && out.stdout.is_empty());
    assert!(std::fs::metadata(&pb)?.len() > 0);
    Ok(())
}

#[test]
fn resumed_run_logs_a_session_start_at_its_step() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ckpt = dir.path().join("ckpt");
    let logs = dir.path().join("logs");
    for steps in ["10", "15"] {
        let out = cairn()
            .args(["train", "--quiet", "--log-every", "5", "--steps", steps])
            .arg("--save-dir")
            .arg(&ckpt)
            .arg("--logdir")
            .arg(&logs)
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Two event files (one per run); the second starts with SessionLog START at 10.
    assert_eq!(cairn::summary::event_files(&logs)?.len(), 2);
    let run = RunSummary::read_dir(&logs)?;
    assert_eq!(run.session_starts, [10]);
    let steps: Vec<i64> = run.scalars["loss"].iter().map(|p| p.0).collect();
    assert_eq!(steps, [5, 10, 15]);
    assert_eq!(run.graphs.len(), 2);
    Ok(())
}
