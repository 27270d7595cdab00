//! `cairn convert SRC DST`: copies named tensors between TensorFlow checkpoints,
//! safetensors and `.npz`, in any direction, the format taken from each path's
//! extension (`.safetensors`, `.npz`; anything else is a checkpoint prefix, its `.index`
//! file or a directory). Names, dtypes, shapes and values are kept bit for bit; a tensor
//! the destination format cannot hold (strings outside checkpoints, complex128 in
//! safetensors) is an error naming it.

use super::inspect;
use super::progress::{note, quiet, Progress};
use anyhow::{bail, Context, Result};
use cairn::tensor::{DType, Tensor};
use cairn_checkpoint::{BundleReader, BundleWriter};
use cairn_formats::{npz, safetensors, Format};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Copies of at least this many bytes show progress.
const PROGRESS_BYTES: u64 = 16 << 20;

/// Options of `cairn convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The source: `FILE.safetensors`, `FILE.npz`, or a checkpoint (a prefix, its
    /// `.index` file, or a directory: its latest checkpoint).
    src: PathBuf,
    /// The destination: `FILE.safetensors`, `FILE.npz`, or a checkpoint prefix
    /// (`DST.index`, `DST.data-00000-of-00001`, and the directory's `checkpoint` state
    /// file is made to name it). Partitioned tensors are written whole.
    dst: PathBuf,
    /// Copy only this tensor (repeatable); default: every tensor.
    #[arg(long = "only", value_name = "NAME")]
    only: Vec<String>,
    /// Store tensor OLD under the name NEW (repeatable).
    #[arg(long = "rename", value_name = "OLD=NEW", value_parser = parse_rename)]
    rename: Vec<(String, String)>,
}

fn parse_rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((old, new)) if !old.is_empty() && !new.is_empty() => {
            Ok((old.to_string(), new.to_string()))
        }
        _ => Err(format!(
            "expected OLD=NEW with two non-empty names, got {s:?}"
        )),
    }
}

/// `(source name, destination name)` for every tensor to copy, checking that every
/// name given exists, that no tensor is renamed twice and that no two tensors end up
/// with the same name.
pub fn plan(
    available: &[String],
    only: &[String],
    rename: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let known: BTreeSet<&str> = available.iter().map(String::as_str).collect();
    for n in only {
        if !known.contains(n.as_str()) {
            bail!("--only {n:?}: no tensor of that name in the checkpoint");
        }
    }
    let selected: Vec<&String> = if only.is_empty() {
        available.iter().collect()
    } else {
        available.iter().filter(|n| only.contains(n)).collect()
    };
    let mut renames = BTreeMap::new();
    for (old, new) in rename {
        if !known.contains(old.as_str()) {
            bail!("--rename {old}={new}: no tensor named {old:?} in the checkpoint");
        }
        if !selected.contains(&old) {
            bail!("--rename {old}={new}: {old:?} is not among the --only tensors");
        }
        if renames.insert(old.as_str(), new.as_str()).is_some() {
            bail!("--rename: {old:?} is renamed twice");
        }
    }
    let mut out = Vec::with_capacity(selected.len());
    let mut taken = BTreeSet::new();
    for n in selected {
        let to = renames.get(n.as_str()).copied().unwrap_or(n.as_str());
        if !taken.insert(to.to_string()) {
            bail!("two tensors would both be named {to:?} in the output");
        }
        out.push((n.clone(), to.to_string()));
    }
    Ok(out)
}

/// Where tensors come from: a checkpoint is read one tensor at a time, the other
/// formats are loaded whole.
enum Source {
    Checkpoint(BundleReader),
    Loaded(BTreeMap<String, Tensor>, Vec<String>),
}

impl Source {
    fn open(path: &Path, format: Format) -> Result<Source> {
        let loaded = |v: Vec<(String, Tensor)>| {
            let names = v.iter().map(|(n, _)| n.clone()).collect();
            Source::Loaded(v.into_iter().collect(), names)
        };
        Ok(match format {
            Format::Checkpoint => Source::Checkpoint(inspect::open(path)?),
            Format::Safetensors => loaded(safetensors::read(path)?),
            Format::Npz => loaded(npz::read(path)?),
        })
    }

    /// Every tensor's name, dtype and size in bytes (0 for strings), in the source's
    /// order.
    fn names(&self) -> Result<Vec<(String, DType, u64)>> {
        let bytes = |d: DType, dims: &[usize]| {
            cairn_formats::raw::byte_len(d, dims).map_or(0, |n| n as u64)
        };
        Ok(match self {
            Source::Checkpoint(r) => inspect::entries(r)?
                .into_iter()
                .map(|e| {
                    let n = bytes(e.dtype, e.shape.dims());
                    (e.name, e.dtype, n)
                })
                .collect(),
            Source::Loaded(map, names) => names
                .iter()
                .filter_map(|n| {
                    let t = map.get(n)?;
                    Some((n.clone(), t.dtype(), bytes(t.dtype(), t.dims())))
                })
                .collect(),
        })
    }

    /// The tensor `name` (taken out of a loaded file: each is copied once).
    fn take(&mut self, name: &str) -> Result<Tensor> {
        match self {
            Source::Checkpoint(r) => Ok(r.read(name)?),
            Source::Loaded(map, _) => map
                .remove(name)
                .with_context(|| format!("tensor {name:?} is listed twice")),
        }
    }

    /// The path that would be overwritten if the destination were the source.
    fn path(&self, src: &Path) -> PathBuf {
        match self {
            Source::Checkpoint(r) => r.prefix().to_path_buf(),
            Source::Loaded(..) => src.to_path_buf(),
        }
    }
}

pub fn run(a: ConvertArgs) -> Result<()> {
    let (from, to) = (Format::of(&a.src)?, Format::of(&a.dst)?);
    let mut source = Source::open(&a.src, from)?;
    let listed = source.names()?;
    let names: Vec<String> = listed.iter().map(|(n, ..)| n.clone()).collect();
    let plan = plan(&names, &a.only, &a.rename)?;
    // Every tensor the destination cannot hold, named before anything is written.
    let planned: Vec<&(String, DType, u64)> = plan
        .iter()
        .filter_map(|(from, _)| listed.iter().find(|(n, ..)| n == from))
        .collect();
    let refused: Vec<String> = planned
        .iter()
        .filter(|(_, d, _)| !to.holds(*d))
        .map(|(n, d, _)| format!("{n:?} ({})", d.numpy_name()))
        .collect();
    if !refused.is_empty() {
        bail!(
            "{}: {} cannot hold {} of the tensors: {} (leave them out with --only)",
            a.dst.display(),
            to.name(),
            refused.len(),
            refused.join(", ")
        );
    }
    let same = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    if same(&source.path(&a.src)) == same(&cairn_formats::checkpoint_prefix(&a.dst)) {
        bail!("{}: the destination is the source", a.dst.display());
    }
    // A bar over the bytes copied, for copies big enough to take a while.
    let total: u64 = planned.iter().map(|(.., b)| b).sum();
    let progress = (total >= PROGRESS_BYTES).then(|| Progress::bytes(total, quiet()));
    let mut take = |name: &str| {
        let t = source.take(name)?;
        if let Some(p) = &progress {
            p.inc(cairn_formats::raw::byte_len(t.dtype(), t.dims()).map_or(0, |n| n as u64));
        }
        Ok::<_, anyhow::Error>(t)
    };
    let written = match to {
        Format::Checkpoint => {
            let mut writer = BundleWriter::new(cairn_formats::checkpoint_prefix(&a.dst))?;
            for (from, to) in &plan {
                let t = take(from)?;
                writer
                    .add(to, &t)
                    .with_context(|| format!("copying {from:?} as {to:?}"))?;
            }
            let prefix = writer.finish()?;
            cairn_formats::refresh_state(&prefix)?;
            prefix
        }
        Format::Safetensors | Format::Npz => {
            let tensors = plan
                .iter()
                .map(|(from, to)| Ok((to.clone(), take(from)?)))
                .collect::<Result<Vec<_>>>()?;
            if to == Format::Npz {
                npz::write(&a.dst, &tensors)?;
            } else {
                safetensors::write(&a.dst, &tensors)?;
            }
            a.dst.clone()
        }
    };
    if let Some(p) = &progress {
        p.finish();
    }
    note(&format!(
        "wrote {} tensors to {} ({})",
        plan.len(),
        written.display(),
        to.name()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plans_subsets_and_renames() -> Result<()> {
        let all = names(&["a", "b", "c"]);
        let r = |o: &str, n: &str| (o.to_string(), n.to_string());
        assert_eq!(plan(&all, &[], &[])?.len(), 3);
        assert_eq!(
            plan(&all, &names(&["c", "a"]), &[r("a", "z")])?,
            vec![r("a", "z"), r("c", "c")]
        );
        assert!(plan(&all, &names(&["x"]), &[]).is_err());
        assert!(plan(&all, &[], &[r("x", "y")]).is_err());
        assert!(plan(&all, &names(&["a"]), &[r("b", "y")]).is_err());
        assert!(plan(&all, &[], &[r("a", "b")]).is_err());
        assert!(plan(&all, &[], &[r("a", "y"), r("a", "z")]).is_err());
        assert!(parse_rename("a=").is_err() && parse_rename("a").is_err());
        assert_eq!(
            parse_rename("a=b=c").map_err(anyhow::Error::msg)?,
            r("a", "b=c")
        );
        Ok(())
    }
}
