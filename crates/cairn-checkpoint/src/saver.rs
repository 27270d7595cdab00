//! [`Saver`]: numbered checkpoints, the state file, and retention.

use crate::bundle::{data_filename, index_filename, BundleReader, BundleWriter};
use crate::state::{relative_to, CheckpointState};
use crate::{Error, Result};
use cairn_tensor::Tensor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Saves and restores checkpoints like `tf.compat.v1.train.Saver`.
///
/// Each [`Saver::save`] writes a bundle, removes the temporary files an interrupted
/// earlier save left in the directory, then replaces the directory's `checkpoint` state
/// file, then deletes the oldest checkpoints beyond `max_to_keep` (except those
/// preserved by `keep_checkpoint_every_n_hours`), so the state file never names a
/// deleted checkpoint. One saver writes to a directory at a time (as with TensorFlow).
#[derive(Clone, Debug)]
pub struct Saver {
    /// How many recent checkpoints to keep; 0 keeps all.
    pub max_to_keep: usize,
    /// Additionally keep one checkpoint per this many hours (`None`: no such rule).
    pub keep_checkpoint_every_n_hours: Option<f64>,
    /// Kept checkpoints, oldest first, with their save times (Unix seconds).
    last_checkpoints: Vec<(PathBuf, f64)>,
    next_preserve_time: f64,
    last_preserved_timestamp: f64,
}

impl Default for Saver {
    fn default() -> Self {
        Saver::new(5, None)
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn hours(h: Option<f64>) -> f64 {
    h.filter(|h| h.is_finite() && *h > 0.0).unwrap_or(0.0) * 3600.0
}

impl Saver {
    /// A saver keeping `max_to_keep` checkpoints (0 = all) and, if given, one per
    /// `keep_checkpoint_every_n_hours`.
    pub fn new(max_to_keep: usize, keep_checkpoint_every_n_hours: Option<f64>) -> Saver {
        let start = now();
        Saver {
            max_to_keep,
            keep_checkpoint_every_n_hours,
            last_checkpoints: Vec::new(),
            next_preserve_time: start + hours(keep_checkpoint_every_n_hours),
            last_preserved_timestamp: start,
        }
    }

    /// The kept checkpoint prefixes, oldest first.
    pub fn last_checkpoints(&self) -> Vec<PathBuf> {
        self.last_checkpoints
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Resumes from the state file in `dir`: the checkpoints it lists (with their
    /// timestamps) become this saver's, so retention continues across restarts.
    pub fn recover_last_checkpoints(&mut self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let Some(st) = CheckpointState::read(dir)? else {
            return Ok(());
        };
        let paths = st.all(dir);
        let t = now();
        self.last_checkpoints = paths
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p,
                    st.all_model_checkpoint_timestamps
                        .get(i)
                        .copied()
                        .unwrap_or(t),
                )
            })
            .collect();
        if st.last_preserved_timestamp > 0.0 {
            self.last_preserved_timestamp = st.last_preserved_timestamp;
            self.next_preserve_time =
                st.last_preserved_timestamp + hours(self.keep_checkpoint_every_n_hours);
        }
        Ok(())
    }

    /// Writes `tensors` to `PREFIX_BASE-STEP` (or `PREFIX_BASE` without a step),
    /// updates `checkpoint` in the prefix's directory, applies retention, and returns
    /// the prefix.
    pub fn save<'a, K, I>(
        &mut self,
        prefix_base: &Path,
        global_step: Option<i64>,
        tensors: I,
    ) -> Result<PathBuf>
    where
        K: AsRef<str>,
        I: IntoIterator<Item = (K, &'a Tensor)>,
    {
        let prefix = match global_step {
            Some(s) => crate::bundle::with_suffix_pub(prefix_base, &format!("-{s}")),
            None => prefix_base.to_path_buf(),
        };
        let dir = match prefix.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut w = BundleWriter::new(&prefix)?;
        for (name, t) in tensors {
            w.add(name.as_ref(), t)?;
        }
        w.finish()?;
        // Before the state file moves on: once it names this checkpoint, no temporary
        // file of a killed earlier save remains.
        remove_stale_temporaries(&dir, prefix_base);

        self.last_checkpoints.retain(|(p, _)| p != &prefix);
        self.last_checkpoints.push((prefix.clone(), now()));
        let mut doomed = Vec::new();
        if self.max_to_keep > 0 {
            while self.last_checkpoints.len() > self.max_to_keep {
                let (p, t) = self.last_checkpoints.remove(0);
                if self.keep_checkpoint_every_n_hours.is_some() && t > self.next_preserve_time {
                    self.next_preserve_time += hours(self.keep_checkpoint_every_n_hours);
                    self.last_preserved_timestamp = t;
                } else {
                    doomed.push(p);
                }
            }
        }
        let st = CheckpointState {
            model_checkpoint_path: relative_to(&prefix, &dir),
            all_model_checkpoint_paths: self
                .last_checkpoints
                .iter()
                .map(|(p, _)| relative_to(p, &dir))
                .collect(),
            all_model_checkpoint_timestamps: self
                .last_checkpoints
                .iter()
                .map(|(_, t)| *t)
                .collect(),
            last_preserved_timestamp: self.last_preserved_timestamp,
        };
        st.write(&dir)?;
        for p in doomed {
            delete_bundle(&p)?;
        }
        Ok(prefix)
    }

    /// Reads from checkpoint `prefix` the tensors `names_map` lists as
    /// `(name in checkpoint, name wanted)`, returning them under the wanted names. A
    /// name missing from the checkpoint is [`Error::NotFound`].
    pub fn restore(
        &self,
        prefix: impl AsRef<Path>,
        names_map: &[(&str, &str)],
    ) -> Result<BTreeMap<String, Tensor>> {
        let r = BundleReader::open(prefix)?;
        let from: Vec<&str> = names_map.iter().map(|(f, _)| *f).collect();
        let tensors = r.read_many(&from)?;
        Ok(names_map
            .iter()
            .map(|(_, to)| to.to_string())
            .zip(tensors)
            .collect())
    }

    /// Reads every tensor of checkpoint `prefix` under its own name.
    pub fn restore_all(&self, prefix: impl AsRef<Path>) -> Result<BTreeMap<String, Tensor>> {
        let r = BundleReader::open(prefix)?;
        let names: Vec<String> = r.list().into_iter().map(|e| e.name).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let tensors = r.read_many(&refs)?;
        Ok(names.into_iter().zip(tensors).collect())
    }
}

/// True for the temporary names a save of checkpoints `base`(`-STEP`) writes before
/// renaming: the bundle writer's `BASE….tempstate…`, the state file's `checkpoint.tmp…`,
/// and a graph's `BASE-STEP.meta.tmp`.
pub(crate) fn is_stale_temporary(name: &str, base: &str) -> bool {
    name.starts_with("checkpoint.tmp")
        || (name.starts_with(base) && (name.contains(".tempstate") || name.ends_with(".meta.tmp")))
}

/// Best effort: deletes the temporary files of interrupted saves of checkpoints
/// `prefix_base` from `dir` (the current save's own have been renamed already).
fn remove_stale_temporaries(dir: &Path, prefix_base: &Path) {
    let Some(base) = prefix_base.file_name().and_then(|b| b.to_str()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| is_stale_temporary(n, base))
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Removes a bundle's index and data files (every shard the index names; files
/// already gone are fine).
fn delete_bundle(prefix: &Path) -> Result<()> {
    let shards = BundleReader::open(prefix)
        .map(|r| r.num_shards())
        .unwrap_or(1);
    let remove = |p: PathBuf| match std::fs::remove_file(&p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(p, e)),
        _ => Ok(()),
    };
    remove(index_filename(prefix))?;
    for s in 0..shards {
        remove(data_filename(prefix, s, shards))?;
    }
    // The MetaGraphDef TensorFlow's Saver writes beside a checkpoint goes with it.
    let mut meta = prefix.as_os_str().to_owned();
    meta.push(".meta");
    remove(PathBuf::from(meta))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_stale_temporary;

    #[test]
    fn stale_temporary_names() {
        let base = "model.ckpt";
        for n in [
            "model.ckpt-100.data-00000-of-00001.tempstate12341795450194691934559",
            "model.ckpt-100.index.tempstate12341795450194691934559",
            "model.ckpt-100.meta.tmp",
            "checkpoint.tmp4242",
        ] {
            assert!(is_stale_temporary(n, base), "{n}");
        }
        for n in [
            "model.ckpt-100.index",
            "model.ckpt-100.meta",
            "checkpoint",
            "other.ckpt-1.index.tempstate1",
            "notes.tmp",
        ] {
            assert!(!is_stale_temporary(n, base), "{n}");
        }
    }
}
