//! `cargo xtask crash-test`: a training run killed again and again ends with exactly the
//! bits of an uninterrupted one.
//!
//! One uninterrupted run (`cairn train --save-every 100`) is the reference. Then the same
//! command runs in another directory and is SIGKILLed `--kills` times: every other kill at a
//! uniform random moment of the expected remaining run, the others aimed at a save (when a
//! temporary file appears). After every kill the state file must name complete checkpoints
//! that pass `cairn inspect --verify`; after the next successful save no temporary file of
//! the killed process may remain. The last life runs to the end, and its final checkpoint is
//! compared byte for byte with the reference's.

mod checks;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::flags::CrashTestArgs;

/// How one life of the crashing run ended.
#[derive(Debug)]
struct Life {
    /// Aimed at a save rather than at a random moment.
    aimed: bool,
    /// Latest checkpoint step when the life started and when it ended.
    from_step: u64,
    to_step: u64,
    /// Seconds after the start when it was killed.
    killed_after: f64,
    /// Temporary files in the directory at the kill (the kill hit a save).
    temporaries: usize,
}

/// Runs the subcommand.
pub fn run(repo: &Path, a: &CrashTestArgs) -> Result<()> {
    let cairn = cairn_binary(repo)?;
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let mut rng = SplitMix(seed);
    let work = std::env::temp_dir().join(format!("cairn-crash-test-{}", std::process::id()));
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
    }
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    eprintln!(
        "xtask: crash test of `{} train --model {} --steps {} --save-every {}` in {} (seed {seed})",
        cairn.display(),
        a.model,
        a.steps,
        a.save_every,
        work.display()
    );
    let train = |dir: &Path| train_command(&cairn, a, dir, a.steps);

    // Timings: startup + final evaluation alone, then the whole uninterrupted run.
    let t0 = Instant::now();
    let startup = &mut train_command(&cairn, a, &work.join("startup"), 0);
    finish(startup, "a 0-step run")?;
    let fixed = t0.elapsed().as_secs_f64();
    let reference = work.join("reference");
    let t0 = Instant::now();
    finish(&mut train(&reference), "the uninterrupted run")?;
    let total = t0.elapsed().as_secs_f64();
    let per_step = ((total - fixed) / a.steps as f64).max(1e-6);
    eprintln!("xtask: uninterrupted run {total:.2} s ({fixed:.2} s startup and evaluation)");

    let dir = work.join("crashing");
    let mut lives: Vec<Life> = Vec::new();
    let mut life = 0u32;
    while lives.len() < a.kills as usize {
        let leftovers = checks::temporary_files(&dir)?;
        let from_step = checks::latest_step(&dir)?;
        if from_step >= a.steps {
            bail!(
                "the run completed after {} kills of {}; give it more --steps",
                lives.len(),
                a.kills
            );
        }
        let kills_left = a.kills as usize - lives.len();
        let aimed = lives.len() % 2 == 1;
        let log = work.join(format!("life-{life}.log"));
        let mut child = spawn(&mut train(&dir), &log)?;
        let started = Instant::now();
        let outcome = if aimed {
            // During the k-th save of this life (k spread like the random kills), at
            // the moment its first temporary file appears plus up to 2 ms, so that kills
            // land in different phases of the save.
            let saves_left = a.steps.saturating_sub(from_step).div_ceil(a.save_every);
            let spread = (2 * saves_left / (kills_left as u64 + 1)).max(1);
            let nth = 1 + (rng.unit() * spread as f64) as u64;
            let extra = Duration::from_secs_f64(rng.unit() * 0.002);
            wait_for_temporaries(&mut child, &dir, nth, extra)?
        } else {
            // Uniform over the startup and a share of the remaining training, so that
            // the kills spread over the whole run.
            let rest = a.steps.saturating_sub(from_step) as f64 * per_step;
            let window = fixed / 2.0 + 2.0 * rest / (kills_left as f64 + 1.0);
            let delay = Duration::from_secs_f64(rng.unit() * window);
            wait_until(&mut child, started + delay)?
        };
        life += 1;
        if let Some(status) = outcome {
            if !status.success() {
                bail!("life {life} failed ({status}); see {}", log.display());
            }
            eprintln!("xtask: life {life} finished before its kill; starting another");
            continue;
        }
        let temporaries = checks::temporary_files(&dir)?
            .difference(&leftovers)
            .count();
        kill(&mut child).with_context(|| format!("killing life {life}"))?;
        let killed_after = started.elapsed().as_secs_f64();
        let latest = checks::check_state(&cairn, &dir)
            .with_context(|| format!("after kill {} ({})", lives.len() + 1, log.display()))?;
        let to_step = checks::latest_step(&dir)?;
        if to_step > from_step {
            check_gone(&dir, &leftovers, life)?;
        }
        eprintln!(
            "xtask: kill {:>2} {} after {killed_after:.2} s: latest {} ({} new temporary file(s) at the kill)",
            lives.len() + 1,
            if aimed { "aimed at a save" } else { "at random     " },
            latest.as_deref().unwrap_or("none"),
            temporaries
        );
        lives.push(Life {
            aimed,
            from_step,
            to_step,
            killed_after,
            temporaries,
        });
    }
    let leftovers = checks::temporary_files(&dir)?;
    finish(&mut train(&dir), "the last resume")?;
    let last = checks::check_state(&cairn, &dir)?.context("no checkpoint after the last resume")?;
    check_gone(&dir, &leftovers, life + 1)?;
    let left = checks::temporary_files(&dir)?;
    if !left.is_empty() {
        bail!("temporary files left after the run: {left:?}");
    }
    let want = format!("model.ckpt-{}", a.steps);
    if last != want {
        bail!("the crashing run ended at {last}, not {want}");
    }
    let bytes = checks::compare_checkpoints(&reference, &dir, &want)?;
    report(a, seed, &lives, bytes);
    if !a.keep {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(())
}

fn report(a: &CrashTestArgs, seed: u64, lives: &[Life], bytes: u64) {
    let aimed = lives.iter().filter(|l| l.aimed).count();
    let in_save = lives.iter().filter(|l| l.temporaries > 0).count();
    let lost: u64 = lives
        .iter()
        .map(|l| l.to_step.saturating_sub(l.from_step))
        .sum();
    let mean = lives.iter().map(|l| l.killed_after).sum::<f64>() / lives.len().max(1) as f64;
    println!(
        "crash test: model {}, {} steps, save every {}, seed {seed}\n\
         kills: {} ({} aimed at saves, {} while temporary files existed); mean life {mean:.2} s\n\
         resumes: {} of {} succeeded; checkpoint progress saved by killed lives: {lost} steps\n\
         state file after every kill: complete checkpoint, `cairn inspect --verify` passed\n\
         temporary files: none left after the next successful save, none at the end\n\
         final checkpoint model.ckpt-{}: bit-identical to the uninterrupted run ({bytes} bytes compared)",
        a.model,
        a.steps,
        a.save_every,
        lives.len(),
        aimed,
        in_save,
        lives.len(),
        lives.len(),
        a.steps
    );
}

/// The temporary files a killed life left must be gone once a later save succeeded.
fn check_gone(dir: &Path, leftovers: &std::collections::BTreeSet<String>, life: u32) -> Result<()> {
    let still: Vec<&String> = leftovers.iter().filter(|n| dir.join(n).exists()).collect();
    if !still.is_empty() {
        bail!("life {life} saved a checkpoint but the temporary files of the killed one remain: {still:?}");
    }
    Ok(())
}

fn train_command(cairn: &Path, a: &CrashTestArgs, dir: &Path, steps: u64) -> Command {
    let mut c = Command::new(cairn);
    c.arg("train")
        .args(["--model", &a.model])
        .args(["--steps", &steps.to_string()])
        .args(["--save-every", &a.save_every.to_string()])
        .arg("--save-dir")
        .arg(dir)
        .args(["--log-every", "0", "--quiet"]);
    c
}

fn spawn(c: &mut Command, log: &Path) -> Result<Child> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    c.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .context("starting cairn train")
}

fn finish(c: &mut Command, what: &str) -> Result<()> {
    let out = c.output().with_context(|| format!("starting {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Polls until `deadline`; `Some(status)` if the child exited first.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<std::process::ExitStatus>> {
    loop {
        if let Some(s) = child.try_wait()? {
            return Ok(Some(s));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(2)));
    }
}

/// Polls the directory until a temporary file of the `nth` distinct checkpoint step
/// appears (ignoring the leftovers of an earlier kill), then waits `extra`;
/// `Some(status)` if the child exited first.
fn wait_for_temporaries(
    child: &mut Child,
    dir: &Path,
    nth: u64,
    extra: Duration,
) -> Result<Option<std::process::ExitStatus>> {
    let before = checks::temporary_files(dir)?;
    let mut steps = std::collections::BTreeSet::new();
    loop {
        if let Some(s) = child.try_wait()? {
            return Ok(Some(s));
        }
        for name in checks::temporary_files(dir)?.difference(&before) {
            if let Some(step) = checks::step_in_name(name) {
                steps.insert(step);
            }
        }
        if steps.len() as u64 >= nth {
            return wait_until(child, Instant::now() + extra);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// SIGKILLs the child and checks that the signal is what ended it.
fn kill(child: &mut Child) -> Result<()> {
    use std::os::unix::process::ExitStatusExt;
    child.kill()?;
    let status = child.wait()?;
    match status.signal() {
        Some(9) => Ok(()),
        _ => bail!("cairn ended with {status} instead of being killed"),
    }
}

fn cairn_binary(repo: &Path) -> Result<PathBuf> {
    crate::cairn_bin::cairn_binary(repo, "CAIRN_BIN")
}

/// SplitMix64: reproducible kill times from `--seed`.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
