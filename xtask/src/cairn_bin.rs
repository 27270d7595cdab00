//! The `cairn` binary the tasks run: an already-built one named by an environment
//! variable, else a fresh `cargo build --release -p cairn`.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `$env_var` if set (no build), else builds `cairn` in release and returns its path.
pub fn cairn_binary(repo: &Path, env_var: &str) -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os(env_var) {
        return Ok(bin.into());
    }
    eprintln!("xtask: cargo build --release -p cairn");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "cairn"])
        .current_dir(repo)
        .status()
        .context("starting cargo")?;
    if !status.success() {
        bail!(
            "`cargo build --release -p cairn` failed ({status}); set {env_var} to use a built one"
        );
    }
    Ok(repo.join("target").join("release").join("cairn"))
}
