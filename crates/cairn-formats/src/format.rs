//! [`Format`]: which kind of file a path names, and reading or writing any of them.

use crate::{npz, safetensors, Error, Result};
use cairn_checkpoint::{index_filename, BundleReader, BundleWriter, CheckpointState};
use cairn_tensor::{DType, Tensor};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A file format for a set of named tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A TensorFlow V2 checkpoint: `PREFIX.index` + `PREFIX.data-*` (cairn-checkpoint).
    Checkpoint,
    /// A `.safetensors` file.
    Safetensors,
    /// A numpy `.npz` archive.
    Npz,
}

impl Format {
    /// The format a path names, by its extension: `.safetensors`, `.npz`, and anything
    /// else is a checkpoint (a prefix such as `model.ckpt-3000`, its `.index` file, or a
    /// directory). Extensions of other model formats (`.npy`, `.pt`, `.pb`, …) are an
    /// [`Error::UnknownFormat`] rather than a prefix.
    pub fn of(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("safetensors") => Ok(Format::Safetensors),
            Some("npz") => Ok(Format::Npz),
            Some(
                "npy" | "pt" | "pth" | "bin" | "pb" | "pbtxt" | "h5" | "onnx" | "json" | "gguf",
            ) => Err(Error::UnknownFormat {
                path: path.to_path_buf(),
            }),
            _ => Ok(Format::Checkpoint),
        }
    }

    /// True if the format can hold tensors of `dtype`: checkpoints hold every dtype,
    /// `.npz` all but strings, safetensors all but strings and complex128.
    pub fn holds(self, dtype: DType) -> bool {
        match self {
            Format::Checkpoint => true,
            Format::Npz => crate::npy::descr(dtype).is_some(),
            Format::Safetensors => crate::safetensors::to_safetensors(dtype).is_some(),
        }
    }

    /// The format's short name (`checkpoint`, `safetensors`, `npz`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Checkpoint => "checkpoint",
            Format::Safetensors => "safetensors",
            Format::Npz => "npz",
        }
    }
}

/// The checkpoint prefix a destination path names: `DIR/model.ckpt.index` is prefix
/// `DIR/model.ckpt`, anything else is the prefix itself.
pub fn checkpoint_prefix(path: &Path) -> PathBuf {
    match path.to_str().and_then(|s| s.strip_suffix(".index")) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => path.to_path_buf(),
    }
}

/// Fails with [`Error::Duplicate`] if two tensors share a name.
pub(crate) fn check_unique(tensors: &[(String, Tensor)], path: &Path) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (name, _) in tensors {
        if !seen.insert(name.as_str()) {
            return Err(Error::Duplicate {
                path: path.to_path_buf(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

/// Reads every tensor of the file `path` names, in the format [`Format::of`] tells
/// (checkpoints: a prefix, `.index` file or directory, in name order).
pub fn read(path: &Path) -> Result<Vec<(String, Tensor)>> {
    match Format::of(path)? {
        Format::Safetensors => safetensors::read(path),
        Format::Npz => npz::read(path),
        Format::Checkpoint => {
            let reader = BundleReader::open(cairn_checkpoint::resolve(path)?)?;
            let listed = reader.list();
            // `list` leaves out entries it cannot describe (an unknown dtype, a bad
            // shape): reading one of those explains what is wrong instead.
            let index = cairn_checkpoint::table::Table::open(index_filename(reader.prefix()))?;
            let mut unlisted = None;
            index.for_each(|key, _| {
                // The header has the empty key; slices of partitioned tensors start with 0.
                if unlisted.is_none() && key.first().is_some_and(|&b| b != 0) {
                    let name = String::from_utf8_lossy(key);
                    if !listed.iter().any(|e| e.name == name) {
                        unlisted = Some(name.into_owned());
                    }
                }
                Ok(())
            })?;
            if let Some(name) = unlisted {
                reader.read(&name)?;
            }
            listed
                .into_iter()
                .map(|e| Ok((e.name.clone(), reader.read(&e.name)?)))
                .collect()
        }
    }
}

/// Writes `tensors` to `path` in the format [`Format::of`] tells. A checkpoint is
/// written as prefix `path`, and the `checkpoint` state file of its directory is
/// refreshed to name it ([`refresh_state`]). Returns what was written (for a
/// checkpoint, the prefix).
pub fn write(path: &Path, tensors: &[(String, Tensor)]) -> Result<PathBuf> {
    match Format::of(path)? {
        Format::Safetensors => safetensors::write(path, tensors)?,
        Format::Npz => npz::write(path, tensors)?,
        Format::Checkpoint => {
            check_unique(tensors, path)?;
            let mut w = BundleWriter::new(checkpoint_prefix(path))?;
            for (name, t) in tensors {
                w.add(name, t)?;
            }
            let prefix = w.finish()?;
            refresh_state(&prefix)?;
            return Ok(prefix);
        }
    }
    Ok(path.to_path_buf())
}

/// Makes the `checkpoint` state file beside `prefix` name it as the latest checkpoint
/// (what `tf.train.latest_checkpoint` and `cairn inspect DIR` look for), keeping the
/// other checkpoints it lists. The path is stored relative to the directory, as
/// TensorFlow 2 writes it.
pub fn refresh_state(prefix: &Path) -> Result<()> {
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let rel = prefix
        .strip_prefix(&dir)
        .ok()
        .filter(|r| r.components().all(|c| matches!(c, Component::Normal(_))))
        .unwrap_or(prefix)
        .to_string_lossy()
        .into_owned();
    let mut st = CheckpointState::read(&dir)?.unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    // Timestamps are kept only while they stay parallel to the paths.
    let parallel = st.all_model_checkpoint_timestamps.len() == st.all_model_checkpoint_paths.len();
    if let Some(i) = st.all_model_checkpoint_paths.iter().position(|p| *p == rel) {
        st.all_model_checkpoint_paths.remove(i);
        if parallel {
            st.all_model_checkpoint_timestamps.remove(i);
        }
    }
    st.all_model_checkpoint_paths.push(rel.clone());
    if parallel {
        st.all_model_checkpoint_timestamps.push(now);
    } else {
        st.all_model_checkpoint_timestamps.clear();
    }
    st.model_checkpoint_path = rel;
    st.write(&dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() -> Result<()> {
        assert_eq!(
            Format::of(Path::new("a/m.safetensors"))?,
            Format::Safetensors
        );
        assert_eq!(Format::of(Path::new("m.NPZ"))?, Format::Npz);
        assert_eq!(
            Format::of(Path::new("d/model.ckpt-3000"))?,
            Format::Checkpoint
        );
        assert_eq!(
            Format::of(Path::new("d/model.ckpt.index"))?,
            Format::Checkpoint
        );
        assert_eq!(Format::of(Path::new("dir"))?, Format::Checkpoint);
        assert!(matches!(
            Format::of(Path::new("x.npy")),
            Err(Error::UnknownFormat { .. })
        ));
        assert!(Format::Npz.holds(DType::Complex128) && !Format::Npz.holds(DType::String));
        assert!(Format::Safetensors.holds(DType::BFloat16));
        assert!(!Format::Safetensors.holds(DType::Complex128));
        assert!(DType::ALL.iter().all(|&d| Format::Checkpoint.holds(d)));
        let prefix = |p: &str| checkpoint_prefix(Path::new(p));
        assert_eq!(prefix("d/m.ckpt.index"), Path::new("d/m.ckpt"));
        assert_eq!(prefix("d/m.ckpt-7"), Path::new("d/m.ckpt-7"));
        Ok(())
    }
}
