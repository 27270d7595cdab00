//! Reliability end to end: a training run SIGKILLed at random moments and during saves
//! ends with the bits of an uninterrupted one (the small version of `cargo xtask
//! crash-test`); failed saves are clear errors that keep the previous checkpoint; hostile
//! files are clean errors under a 4 GB address-space limit.

#[allow(dead_code)]
#[path = "../../cairn-checkpoint/tests/hostile_files.rs"]
mod hostile_files;

use super::{cairn, TestResult};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const STEPS: &str = "300";

fn train(dir: &Path, steps: &str, save_every: &str) -> Command {
    let mut c = cairn();
    c.args(["train", "--model", "mlp", "--seed", "5", "--log-every", "0"])
        .args([
            "--steps",
            steps,
            "--save-every",
            save_every,
            "--quiet",
            "--save-dir",
        ])
        .arg(dir);
    c
}

fn names(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    let mut v: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    v.sort();
    Ok(v)
}

fn temporaries(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    Ok(names(dir)?
        .into_iter()
        .filter(|n| n.contains(".tempstate") || n.contains(".tmp"))
        .collect())
}

fn verify(dir: &Path) -> TestResult {
    let out = cairn().args(["inspect", "--verify"]).arg(dir).output()?;
    assert!(
        out.status.success(),
        "inspect --verify {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn latest(dir: &Path) -> Result<Option<String>, std::io::Error> {
    match std::fs::read_to_string(dir.join("checkpoint")) {
        Ok(t) => Ok(t
            .lines()
            .find_map(|l| l.strip_prefix("model_checkpoint_path: "))
            .map(|p| p.trim_matches('"').to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// SIGKILLs `child` when `ready` says so (polled every 0.2 ms); false if it ended first.
fn kill_when(child: &mut Child, mut ready: impl FnMut() -> bool) -> Result<bool, std::io::Error> {
    loop {
        if child.try_wait()?.is_some() {
            return Ok(false);
        }
        if ready() {
            child.kill()?;
            child.wait()?;
            return Ok(true);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn killed_three_times_and_resumed_ends_bit_identical() -> TestResult {
    let reference = tempfile::tempdir()?;
    let out = train(reference.path(), STEPS, "50").output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crashing = tempfile::tempdir()?;
    let dir = crashing.path();
    // Kill 1: during the first save; kill 2: right after a later checkpoint appears
    // (between the index rename and the state file); kill 3: during a save again.
    let mut kills = 0;
    for plan in 0..3 {
        let before = latest(dir)?;
        let leftovers = temporaries(dir)?;
        let mut child = train(dir, STEPS, "50")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let killed = kill_when(&mut child, || match plan {
            1 => names(dir).is_ok_and(|n| {
                n.iter().any(|f| {
                    f.ends_with(".index")
                        && Some(f.trim_end_matches(".index")) != before.as_deref()
                        && !leftovers.contains(f)
                })
            }),
            _ => temporaries(dir).is_ok_and(|t| t.iter().any(|f| !leftovers.contains(f))),
        })?;
        assert!(killed, "life {plan} ended before its kill");
        kills += 1;
        // The state file always names a complete, verifiable checkpoint.
        if latest(dir)?.is_some() {
            verify(dir)?;
        }
    }
    let leftovers = temporaries(dir)?;
    let out = train(dir, STEPS, "50").output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(kills, 3);
    assert_eq!(latest(dir)?.as_deref(), Some("model.ckpt-300"));
    assert!(
        temporaries(dir)?.is_empty(),
        "left behind: {:?} (before: {leftovers:?})",
        temporaries(dir)?
    );
    for suffix in [".index", ".data-00000-of-00001", ".meta"] {
        let name = format!("model.ckpt-300{suffix}");
        let a = std::fs::read(reference.path().join(&name))?;
        let b = std::fs::read(dir.join(&name))?;
        assert!(a == b, "{name} differs from the uninterrupted run's");
    }
    Ok(())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_failed_save_stops_with_a_clear_error_and_keeps_the_previous_checkpoint() -> TestResult {
    // Works as root too: a directory where the step-20 graph file must go makes that
    // save fail (rename onto a directory), whatever the permissions.
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("model.ckpt-20.meta"))?;
    let out = train(dir, "30", "10").output()?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("step 20") && err.contains("model.ckpt-20.meta"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(latest(dir)?.as_deref(), Some("model.ckpt-10"));
    verify(dir)?;

    // With --save-errors warn the run goes on, says so, and saves step 30.
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("model.ckpt-20.meta"))?;
    let out = train(dir, "30", "10")
        .args(["--save-errors", "warn"])
        .output()?;
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: saving step 20") && err.contains("training goes on"),
        "{err}"
    );
    assert_eq!(latest(dir)?.as_deref(), Some("model.ckpt-30"));
    verify(dir)?;
    Ok(())
}

#[test]
fn a_read_only_save_dir_is_a_clear_error() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("ro");
    std::fs::create_dir(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555))?;
    // Root writes anyway: then the permission case cannot be staged (the directory
    // cases of the other tests cover failing saves).
    if std::fs::write(dir.join("probe"), b"").is_ok() {
        return Ok(());
    }
    let out = train(&dir, "10", "10").output()?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("ermission denied") && err.contains("ro"),
        "{err}"
    );
    Ok(())
}

#[test]
fn the_save_dir_removed_under_a_running_job() -> TestResult {
    for warn in [false, true] {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("ckpt");
        let mut c = train(&dir, "400", "20");
        if warn {
            c.args(["--save-errors", "warn"]);
        }
        let mut child = c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn()?;
        while latest(&dir)?.is_none() {
            if let Some(status) = child.try_wait()? {
                return Err(format!("ended ({status}) before its first checkpoint").into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::fs::remove_dir_all(&dir)?;
        let out = child.wait_with_output()?;
        let err = stderr(&out);
        assert!(!out.status.success(), "warn={warn}: {err}");
        assert!(err.contains("ckpt") && !err.contains("panicked"), "{err}");
        if warn {
            assert!(err.contains("training goes on"), "{err}");
            assert!(err.contains("last checkpoint could not be saved"), "{err}");
        }
    }
    Ok(())
}

/// Runs `cairn ARGS` with a 4 GB address-space limit; its exit status and stderr.
fn limited(args: &[&std::ffi::OsStr]) -> Result<Output, std::io::Error> {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
}

#[test]
fn hostile_checkpoints_are_clean_errors_under_a_4_gb_limit() -> TestResult {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir()?;
    for h in hostile_files::write_all(tmp.path())? {
        let out = limited(&[
            "inspect".as_ref(),
            "--verify".as_ref(),
            h.prefix.as_os_str(),
        ])?;
        let err = stderr(&out);
        assert_eq!(
            out.status.signal(),
            None,
            "{}: killed by a signal: {err}",
            h.name
        );
        assert_eq!(out.status.code(), Some(1), "{}: {err}", h.name);
        assert!(
            err.contains("model.ckpt") && !err.contains("panicked"),
            "{}: {err}",
            h.name
        );
    }
    Ok(())
}

#[test]
fn an_idx_file_claiming_2e32_images_is_refused_under_a_4_gb_limit() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist");
    for f in std::fs::read_dir(data)? {
        let f = f?;
        std::fs::copy(f.path(), tmp.path().join(f.file_name()))?;
    }
    // A raw images file: magic, 3 dims, 2^32 - 1 images of 28x28, and 784 pixels.
    let mut idx = vec![0, 0, 8, 3];
    for d in [u32::MAX, 28, 28] {
        idx.extend_from_slice(&d.to_be_bytes());
    }
    idx.extend_from_slice(&[0; 784]);
    std::fs::remove_file(tmp.path().join("train-images-idx3-ubyte.gz"))?;
    std::fs::write(tmp.path().join("train-images-idx3-ubyte"), idx)?;
    let out = limited(&[
        "train".as_ref(),
        "--steps".as_ref(),
        "1".as_ref(),
        "--data".as_ref(),
        tmp.path().as_os_str(),
    ])?;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("train-images-idx3-ubyte") && !err.contains("panicked"),
        "{err}"
    );
    Ok(())
}

#[test]
fn the_same_bits_whatever_the_number_of_threads() -> TestResult {
    let mut checkpoints = Vec::new();
    for threads in ["1", "2", "5"] {
        let tmp = tempfile::tempdir()?;
        let out = train(tmp.path(), "60", "60")
            .env("RAYON_NUM_THREADS", threads)
            .output()?;
        assert!(out.status.success(), "{}", stderr(&out));
        checkpoints.push(std::fs::read(
            tmp.path().join("model.ckpt-60.data-00000-of-00001"),
        )?);
    }
    assert!(
        checkpoints.windows(2).all(|w| w[0] == w[1]),
        "the checkpoint depends on the number of threads"
    );
    Ok(())
}
