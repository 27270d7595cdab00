//! Bottleneck values cached on disk, one text file per image (comma-separated floats,
//! as `retrain.py` writes them), so a second retraining skips the big model.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where one image's bottleneck is cached: `DIR/<class dir>/<file name>_<tag>.txt`.
pub fn cache_path(dir: &Path, class_dir: &str, image: &Path, tag: &str) -> PathBuf {
    let file = image
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(class_dir).join(format!("{file}_{tag}.txt"))
}

/// A short tag naming the model and how it is fed, so bottlenecks of another model (or
/// another bottleneck tensor, input size or scaling) are never mistaken for these.
pub fn model_tag(graph_bytes: &[u8], settings: &str) -> String {
    let mut h = Sha256::new();
    h.update(graph_bytes);
    h.update([0u8]);
    h.update(settings.as_bytes());
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cached values at `path`, if the file exists and holds exactly `expected` (when
/// known) finite numbers; anything else means "compute again".
pub fn load(path: &Path, expected: Option<usize>) -> Option<Vec<f32>> {
    let text = std::fs::read_to_string(path).ok()?;
    let values: Vec<f32> = text
        .trim()
        .split(',')
        .map(|s| s.trim().parse::<f32>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()?;
    match expected {
        Some(n) if values.len() != n => None,
        _ if values.is_empty() => None,
        _ => Some(values),
    }
}

/// Writes `values` to `path` (through a temporary file renamed into place, so an
/// interrupted run never leaves a half-written cache file).
pub fn store(path: &Path, values: &[f32]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let text = values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn values_round_trip_exactly(v in proptest::collection::vec(-1e30f32..1e30, 1..64)) {
            let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let p = dir.path().join("c").join("x.jpg_tag.txt");
            store(&p, &v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(load(&p, Some(v.len())), Some(v.clone()));
            prop_assert_eq!(load(&p, Some(v.len() + 1)), None);
        }
    }

    #[test]
    fn garbage_is_recomputed() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "1.0,abc,2")?;
        assert_eq!(load(&p, None), None);
        std::fs::write(&p, "")?;
        assert_eq!(load(&p, None), None);
        std::fs::write(&p, "1,NaN")?;
        assert_eq!(load(&p, None), None);
        assert_eq!(load(&dir.path().join("missing"), None), None);
        Ok(())
    }
}
