//! cairn's developer tasks, run as `cargo xtask <command>` (see `cargo xtask --help`).
//!
//! - `fixtures` ([`fixtures`]): regenerate the TensorFlow-made reference files in `fixtures/`
//!   with the `xtask/python/fixtures_*.py` scripts;
//! - `bench` ([`mod@bench`]): time cairn against TensorFlow and PyTorch and write
//!   `docs/BENCHMARKS.md` ([`report`]);
//! - `interop` ([`interop`]): hand checkpoints between TensorFlow and cairn and write
//!   `docs/INTEROP.md`;
//! - `crash-test` ([`crash_test`]): kill a training run again and again, resume it, and
//!   check that it ends with the bits of an uninterrupted run.
//!
//! Python is found by [`python`]; arguments are parsed by [`flags`].

mod bench;
mod cairn_bin;
mod crash_test;
mod fixtures;
mod flags;
mod interop;
mod python;
mod report;
mod sysinfo;

use std::path::PathBuf;
use std::process::ExitCode;

use flags::Command;

/// The repository root (the parent of this crate's directory).
pub(crate) fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repo = repo_root();
    match flags::parse(&args)? {
        Command::Help => {
            print!("{}", flags::HELP);
            Ok(())
        }
        Command::Fixtures(a) => fixtures::run(&repo, &a),
        Command::Bench(a) => bench::run(&repo, &a),
        Command::Interop(a) => interop::run(&repo, &a),
        Command::CrashTest(a) => crash_test::run(&repo, &a),
    }
}
