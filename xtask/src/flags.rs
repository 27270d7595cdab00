//! Command-line parsing for `cargo xtask` (hand-written: a few subcommands, a handful of flags).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

/// The text `cargo xtask --help` prints.
pub const HELP: &str = "\
cairn developer tasks

USAGE:
    cargo xtask <COMMAND> [OPTIONS]

COMMANDS:
    fixtures [--only NAME] [--check]
        Run every xtask/python/fixtures_*.py (sorted) with TensorFlow, from the repository
        root; each writes under fixtures/<topic>/. --only NAME runs fixtures_NAME.py alone.
        --check only verifies that the scripts exist (no Python needed).
        Without TensorFlow, says so and exits 0: the committed fixtures stay valid.
    bench [--steps N] [--quick] [--skip-checkpoint] [--checkpoint-dir DIR] [--skip-images]
          [--skip-lenet] [--tract]
        Build cairn in release, time its MLP training step against TensorFlow (classic Session
        and tf.function) and PyTorch eager, time 5000-step training runs, time saving and
        restoring 1 GiB of float32 variables (cairn, TensorFlow's Saver, `dd` on the same
        disk), time batch-1 inference of the full-size MobileNetV2 and InceptionV3 frozen
        graphs (cairn, TensorFlow, tract; made with TensorFlow under fixtures/images/full/
        when missing), time the LeNet training step (cairn, TensorFlow), and write
        docs/BENCHMARKS.md. --steps N = timed MLP steps per framework (default 2000);
        --quick = a short smoke run (checkpoints of 256 MiB, few image runs and LeNet
        steps); --skip-checkpoint, --skip-images, --skip-lenet skip those parts;
        --checkpoint-dir DIR = where to write the checkpoints (default: a new directory in
        the system's temporary directory), i.e. which disk is measured; --tract = first
        build xtask/tract-bench (tract-tensorflow, its own target/; ~18 min from scratch),
        without it tract is measured only if already built.
    interop [--keep] [--work-dir DIR]
        Hand MNIST checkpoints between TensorFlow's classic scripts and cairn (both ways),
        score the same checkpoints with both, compare every tensor bit for bit; write
        fixtures/interop/classic_mlp.json and docs/INTEROP.md; exit 1 if a check fails.
        --keep keeps the temporary checkpoints; --work-dir DIR (empty or absent) runs
        there and keeps them.
    crash-test [--kills N] [--steps N] [--model NAME] [--save-every N] [--seed N] [--keep]
        Train with `cairn train --save-every 100` (release build) and SIGKILL it N times
        (default 20; half at random moments, half during saves), resuming each time; check
        after every kill that the state file names a checkpoint passing `cairn inspect
        --verify`, that no temporary file outlives the next save, and that the final
        checkpoint is byte-identical to an uninterrupted run's. --steps default 3000,
        --model default mlp, --seed fixes the kill times, --keep keeps the directories.
    help
        Print this text.

ENVIRONMENT:
    CAIRN_PYTHON     the Python interpreter to use (default: <repo>/.venv/bin/python,
                     created with tensorflow-cpu if missing)
    CAIRN_BENCH_BIN  bench: use this cairn binary instead of `cargo build --release -p cairn`
    CAIRN_BIN        interop, crash-test: use this cairn binary instead of `cargo build --release -p cairn`
";

/// A parsed `cargo xtask` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `help`, `--help`, `-h` or no arguments.
    Help,
    /// `fixtures`.
    Fixtures(FixturesArgs),
    /// `bench`.
    Bench(BenchArgs),
    /// `interop`.
    Interop(InteropArgs),
    /// `crash-test`.
    CrashTest(CrashTestArgs),
}

/// Options of `cargo xtask fixtures`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixturesArgs {
    /// Run only `fixtures_<NAME>.py`.
    pub only: Option<String>,
    /// Only check that the scripts exist.
    pub check: bool,
}

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BenchArgs {
    /// Timed steps per framework (overrides the default and `--quick`).
    pub steps: Option<u64>,
    /// A short smoke run.
    pub quick: bool,
    /// Do not run the checkpoint benchmark.
    pub skip_checkpoint: bool,
    /// Where the checkpoint benchmark writes (the disk it measures).
    pub checkpoint_dir: Option<PathBuf>,
    /// Do not run the image-model benchmark.
    pub skip_images: bool,
    /// Do not run the LeNet training-step benchmark.
    pub skip_lenet: bool,
    /// Build `xtask/tract-bench` before the image benchmark.
    pub tract: bool,
}

/// Options of `cargo xtask interop`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteropArgs {
    /// Keep the temporary directory of checkpoints.
    pub keep: bool,
    /// Work in this directory (empty or absent) instead of a temporary one; it is kept.
    pub work_dir: Option<PathBuf>,
}

/// Options of `cargo xtask crash-test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashTestArgs {
    /// How many times the run is killed.
    pub kills: u32,
    /// The global step to reach.
    pub steps: u64,
    /// `cairn train --model`.
    pub model: String,
    /// `cairn train --save-every`.
    pub save_every: u64,
    /// Seed of the kill times (default: from the clock, printed).
    pub seed: Option<u64>,
    /// Keep the work directory.
    pub keep: bool,
}

impl Default for CrashTestArgs {
    fn default() -> Self {
        CrashTestArgs {
            kills: 20,
            steps: 3000,
            model: "mlp".into(),
            save_every: 100,
            seed: None,
            keep: false,
        }
    }
}

/// Parses the arguments after `cargo xtask`.
pub fn parse(args: &[String]) -> Result<Command> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match cmd.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "fixtures" => parse_fixtures(rest).map(Command::Fixtures),
        "bench" => parse_bench(rest).map(Command::Bench),
        "interop" => parse_interop(rest).map(Command::Interop),
        "crash-test" => parse_crash_test(rest).map(Command::CrashTest),
        other => bail!("unknown command `{other}` (try `cargo xtask --help`)"),
    }
}

fn parse_fixtures(args: &[String]) -> Result<FixturesArgs> {
    let mut out = FixturesArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match split_flag(arg) {
            ("--check", None) => out.check = true,
            ("--only", inline) => {
                let name = value(inline, &mut it, "--only")?;
                if name.is_empty() || name.contains(['/', '\\']) {
                    bail!("--only wants a script name like `optim`, got `{name}`");
                }
                out.only = Some(name);
            }
            _ => bail!("unknown option `{arg}` for `fixtures` (try `cargo xtask --help`)"),
        }
    }
    Ok(out)
}

fn parse_bench(args: &[String]) -> Result<BenchArgs> {
    let mut out = BenchArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match split_flag(arg) {
            ("--quick", None) => out.quick = true,
            ("--steps", inline) => {
                let text = value(inline, &mut it, "--steps")?;
                let n: u64 = text
                    .parse()
                    .with_context(|| format!("--steps wants a positive integer, got `{text}`"))?;
                if n == 0 {
                    bail!("--steps must be at least 1");
                }
                out.steps = Some(n);
            }
            ("--skip-checkpoint", None) => out.skip_checkpoint = true,
            ("--skip-images", None) => out.skip_images = true,
            ("--skip-lenet", None) => out.skip_lenet = true,
            ("--tract", None) => out.tract = true,
            ("--checkpoint-dir", inline) => {
                let dir = value(inline, &mut it, "--checkpoint-dir")?;
                if dir.is_empty() {
                    bail!("--checkpoint-dir needs a directory");
                }
                out.checkpoint_dir = Some(dir.into());
            }
            _ => bail!("unknown option `{arg}` for `bench` (try `cargo xtask --help`)"),
        }
    }
    Ok(out)
}

fn parse_interop(args: &[String]) -> Result<InteropArgs> {
    let mut out = InteropArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match split_flag(arg) {
            ("--keep", None) => out.keep = true,
            ("--work-dir", inline) => {
                let dir = value(inline, &mut it, "--work-dir")?;
                if dir.is_empty() {
                    bail!("--work-dir needs a directory");
                }
                out.work_dir = Some(dir.into());
            }
            _ => bail!("unknown option `{arg}` for `interop` (try `cargo xtask --help`)"),
        }
    }
    Ok(out)
}

fn parse_crash_test(args: &[String]) -> Result<CrashTestArgs> {
    let mut out = CrashTestArgs::default();
    let mut it = args.iter();
    let number = |inline: Option<&str>, it: &mut std::slice::Iter<'_, String>, flag: &str| {
        let text = value(inline, it, flag)?;
        match text.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{flag} wants a positive integer, got `{text}`"),
        }
    };
    while let Some(arg) = it.next() {
        match split_flag(arg) {
            ("--keep", None) => out.keep = true,
            ("--kills", inline) => {
                out.kills = u32::try_from(number(inline, &mut it, "--kills")?)
                    .context("--kills is too large")?
            }
            ("--steps", inline) => out.steps = number(inline, &mut it, "--steps")?,
            ("--save-every", inline) => out.save_every = number(inline, &mut it, "--save-every")?,
            ("--seed", inline) => out.seed = Some(number(inline, &mut it, "--seed")?),
            ("--model", inline) => {
                out.model = value(inline, &mut it, "--model")?;
                if out.model.is_empty() {
                    bail!("--model needs a name");
                }
            }
            _ => bail!("unknown option `{arg}` for `crash-test` (try `cargo xtask --help`)"),
        }
    }
    Ok(out)
}

/// Splits `--flag=value` into `("--flag", Some("value"))`.
fn split_flag(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((flag, v)) if flag.starts_with("--") => (flag, Some(v)),
        _ => (arg, None),
    }
}

fn value<'a>(
    inline: Option<&str>,
    it: &mut impl Iterator<Item = &'a String>,
    flag: &str,
) -> Result<String> {
    match inline {
        Some(v) => Ok(v.to_owned()),
        None => it
            .next()
            .cloned()
            .with_context(|| format!("{flag} needs a value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn help_forms() -> Result<()> {
        for s in ["", "help", "--help", "-h"] {
            assert_eq!(parse(&args(s))?, Command::Help, "{s:?}");
        }
        assert!(HELP.contains("fixtures") && HELP.contains("bench"));
        Ok(())
    }

    #[test]
    fn fixtures_flags() -> Result<()> {
        assert_eq!(
            parse(&args("fixtures"))?,
            Command::Fixtures(FixturesArgs::default())
        );
        let want = FixturesArgs {
            only: Some("optim".into()),
            check: true,
        };
        assert_eq!(
            parse(&args("fixtures --only optim --check"))?,
            Command::Fixtures(want.clone())
        );
        assert_eq!(
            parse(&args("fixtures --check --only=optim"))?,
            Command::Fixtures(want)
        );
        Ok(())
    }

    #[test]
    fn bench_flags() -> Result<()> {
        assert_eq!(parse(&args("bench"))?, Command::Bench(BenchArgs::default()));
        let want = BenchArgs {
            steps: Some(50),
            quick: true,
            ..BenchArgs::default()
        };
        assert_eq!(
            parse(&args("bench --quick --steps 50"))?,
            Command::Bench(want.clone())
        );
        assert_eq!(
            parse(&args("bench --steps=50 --quick"))?,
            Command::Bench(want)
        );
        let want = BenchArgs {
            skip_checkpoint: true,
            checkpoint_dir: Some("/mnt/disk".into()),
            ..BenchArgs::default()
        };
        assert_eq!(
            parse(&args("bench --skip-checkpoint --checkpoint-dir /mnt/disk"))?,
            Command::Bench(want.clone())
        );
        assert_eq!(
            parse(&args("bench --checkpoint-dir=/mnt/disk --skip-checkpoint"))?,
            Command::Bench(want)
        );
        let want = BenchArgs {
            skip_images: true,
            skip_lenet: true,
            tract: true,
            ..BenchArgs::default()
        };
        assert_eq!(
            parse(&args("bench --skip-lenet --tract --skip-images"))?,
            Command::Bench(want)
        );
        assert!(parse(&args("bench --tract=yes")).is_err());
        assert!(parse(&args("bench --skip-images=1")).is_err());
        assert!(parse(&args("bench --checkpoint-dir")).is_err());
        assert!(parse(&args("bench --skip-checkpoint=yes")).is_err());
        Ok(())
    }

    #[test]
    fn interop_flags() -> Result<()> {
        assert_eq!(
            parse(&args("interop"))?,
            Command::Interop(InteropArgs::default())
        );
        let want = InteropArgs {
            keep: true,
            work_dir: Some("/tmp/x".into()),
        };
        assert_eq!(
            parse(&args("interop --keep --work-dir /tmp/x"))?,
            Command::Interop(want.clone())
        );
        assert_eq!(
            parse(&args("interop --work-dir=/tmp/x --keep"))?,
            Command::Interop(want)
        );
        assert!(HELP.contains("interop"));
        Ok(())
    }

    #[test]
    fn crash_test_flags() -> Result<()> {
        assert_eq!(
            parse(&args("crash-test"))?,
            Command::CrashTest(CrashTestArgs::default())
        );
        let want = CrashTestArgs {
            kills: 3,
            steps: 400,
            model: "lenet".into(),
            save_every: 50,
            seed: Some(7),
            keep: true,
        };
        assert_eq!(
            parse(&args(
                "crash-test --kills 3 --steps=400 --model lenet --save-every 50 --seed 7 --keep"
            ))?,
            Command::CrashTest(want)
        );
        for s in [
            "crash-test --kills 0",
            "crash-test --steps",
            "crash-test --model=",
        ] {
            assert!(parse(&args(s)).is_err(), "{s:?} should be rejected");
        }
        Ok(())
    }

    #[test]
    fn rejects_bad_input() -> Result<()> {
        for s in [
            "frobnicate",
            "fixtures --only",
            "fixtures --only ../x",
            "fixtures --steps 3",
            "bench --steps",
            "bench --steps 0",
            "bench --steps -4",
            "bench --steps ten",
            "bench --check",
            "bench --quick=yes",
            "interop --work-dir",
            "interop --work-dir=",
            "interop --keep=1",
            "interop --steps 3",
        ] {
            assert!(parse(&args(s)).is_err(), "{s:?} should be rejected");
        }
        Ok(())
    }
}
