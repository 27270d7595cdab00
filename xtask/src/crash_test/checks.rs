//! What the crash test looks at in a checkpoint directory: temporary files, the state
//! file, `cairn inspect --verify`, and the final files compared byte for byte.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// True for the names of files a save writes before renaming them: the bundle writer's
/// `*.tempstate*`, the state file's `checkpoint.tmp*`, the graph's `*.meta.tmp`.
pub fn is_temporary(name: &str) -> bool {
    name.contains(".tempstate") || name.contains(".tmp")
}

/// The step of a checkpoint file name (`model.ckpt-300.index.tempstate…` → 300).
pub fn step_in_name(name: &str) -> Option<u64> {
    let (_, rest) = name.split_once('-')?;
    let digits: &str = &rest[..rest.find(|c: char| !c.is_ascii_digit())?];
    digits.parse().ok()
}

/// The temporary files now in `dir` (names only, sorted).
pub fn temporary_files(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if is_temporary(&name) {
            out.insert(name);
        }
    }
    Ok(out)
}

/// The checkpoints the `checkpoint` state file of `dir` names: the latest first, then
/// every kept one. `None` when there is no state file yet.
pub fn state_paths(dir: &Path) -> Result<Option<(String, Vec<String>)>> {
    let path = dir.join("checkpoint");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let quoted = |line: &str, field: &str| -> Option<String> {
        let rest = line.strip_prefix(field)?.trim().strip_prefix(':')?.trim();
        Some(rest.trim_matches('"').to_string())
    };
    let mut latest = None;
    let mut all = Vec::new();
    for line in text.lines() {
        if let Some(p) = quoted(line, "model_checkpoint_path") {
            latest = Some(p);
        } else if let Some(p) = quoted(line, "all_model_checkpoint_paths") {
            all.push(p);
        }
    }
    match latest {
        Some(l) => Ok(Some((l, all))),
        None => bail!("{} names no model_checkpoint_path:\n{text}", path.display()),
    }
}

/// The global step of the latest checkpoint of `dir` (0 when there is none).
pub fn latest_step(dir: &Path) -> Result<u64> {
    Ok(match state_paths(dir)? {
        Some((latest, _)) => step_of(&latest)?,
        None => 0,
    })
}

fn step_of(prefix: &str) -> Result<u64> {
    let (_, n) = prefix
        .rsplit_once('-')
        .with_context(|| format!("checkpoint `{prefix}` has no -STEP suffix"))?;
    n.parse()
        .with_context(|| format!("checkpoint `{prefix}` has a bad step"))
}

/// Checks that the state file (if any) names complete checkpoints: every listed one has
/// its index, and the latest passes `cairn inspect --verify`. Returns the latest's name.
pub fn check_state(cairn: &Path, dir: &Path) -> Result<Option<String>> {
    let Some((latest, all)) = state_paths(dir)? else {
        return Ok(None);
    };
    for p in all.iter().chain(std::iter::once(&latest)) {
        let index = dir.join(format!("{p}.index"));
        if !index.is_file() {
            bail!(
                "the state file names {p}, whose {} is missing",
                index.display()
            );
        }
    }
    let out = Command::new(cairn)
        .arg("inspect")
        .arg("--verify")
        .arg(dir)
        .output()
        .context("running cairn inspect --verify")?;
    if !out.status.success() {
        bail!(
            "cairn inspect --verify {} failed ({}) on {latest}: {}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(Some(latest))
}

/// The files of checkpoint `name` in `dir` (index, data shards, graph), sorted.
fn checkpoint_files(dir: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let file = entry?.file_name().to_string_lossy().into_owned();
        let ours = file
            .strip_prefix(name)
            .is_some_and(|rest| rest == ".index" || rest == ".meta" || rest.starts_with(".data-"));
        if ours {
            out.push(dir.join(file));
        }
    }
    out.sort();
    Ok(out)
}

/// Compares checkpoint `name` of two directories byte for byte; returns how many bytes
/// were compared.
pub fn compare_checkpoints(a: &Path, b: &Path, name: &str) -> Result<u64> {
    let fa = checkpoint_files(a, name)?;
    let fb = checkpoint_files(b, name)?;
    let names = |v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    };
    if fa.is_empty() || names(&fa) != names(&fb) {
        bail!(
            "{name}: the runs wrote different files: {:?} vs {:?}",
            names(&fa),
            names(&fb)
        );
    }
    let mut total = 0;
    for (x, y) in fa.iter().zip(&fb) {
        let bx = std::fs::read(x).with_context(|| format!("reading {}", x.display()))?;
        let by = std::fs::read(y).with_context(|| format!("reading {}", y.display()))?;
        if bx != by {
            let at = bx.iter().zip(&by).position(|(p, q)| p != q);
            bail!(
                "{} and {} differ ({} vs {} bytes, first difference at {:?})",
                x.display(),
                y.display(),
                bx.len(),
                by.len(),
                at
            );
        }
        total += bx.len() as u64;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names() {
        assert!(is_temporary("model.ckpt-100.index.tempstate12341700000000"));
        assert!(is_temporary("checkpoint.tmp4242"));
        assert!(is_temporary("model.ckpt-100.meta.tmp"));
        assert!(!is_temporary("model.ckpt-100.data-00000-of-00001"));
        assert!(!is_temporary("checkpoint"));
    }

    #[test]
    fn steps_in_names() {
        assert_eq!(step_in_name("model.ckpt-300.index.tempstate1"), Some(300));
        assert_eq!(step_in_name("model.ckpt-40.meta.tmp"), Some(40));
        assert_eq!(step_in_name("checkpoint.tmp77"), None);
    }

    #[test]
    fn steps_of_prefixes() -> Result<()> {
        assert_eq!(step_of("model.ckpt-3000")?, 3000);
        assert!(step_of("model.ckpt").is_err());
        Ok(())
    }
}
