//! The image folder: one sub-directory per class, split into training, validation and
//! testing sets by a hash of each file name, as `retrain.py` splits it.

use crate::{Error, Result};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// `retrain.py`'s `MAX_NUM_IMAGES_PER_CLASS` (2²⁷ − 1): the hash is taken modulo one more.
const MAX_PER_CLASS: u64 = (1 << 27) - 1;

/// Which set an image belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Set {
    /// Used to train the new layer.
    Training,
    /// Scored during training.
    Validation,
    /// Scored once at the end.
    Testing,
}

/// The images of one class.
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// The sub-directory's name.
    pub dir_name: String,
    /// The label: the directory name in lower case, runs of other characters than
    /// `a-z0-9` replaced by one space (as `retrain.py` makes it).
    pub label: String,
    /// Training images (paths), sorted by file name.
    pub training: Vec<PathBuf>,
    /// Validation images.
    pub validation: Vec<PathBuf>,
    /// Testing images.
    pub testing: Vec<PathBuf>,
}

impl Class {
    /// The images of `set`.
    pub fn set(&self, set: Set) -> &[PathBuf] {
        match set {
            Set::Training => &self.training,
            Set::Validation => &self.validation,
            Set::Testing => &self.testing,
        }
    }
}

/// `retrain.py`'s label of a class directory.
pub fn label_of(dir_name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in dir_name.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if gap {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if gap {
        out.push(' ');
    }
    out
}

/// The set `file_name` falls in: SHA-1 of the name without any `_nohash_…` suffix, as
/// a number modulo 2²⁷, scaled to a percentage and compared with the two percentages.
pub fn set_of(file_name: &str, validation_pct: f64, testing_pct: f64) -> Set {
    let hashed = match file_name.find("_nohash_") {
        Some(i) => &file_name[..i],
        None => file_name,
    };
    let digest = Sha1::digest(hashed.as_bytes());
    // The low 27 bits of the 160-bit big-endian number are in its last four bytes.
    let tail = u32::from_be_bytes([digest[16], digest[17], digest[18], digest[19]]);
    let pct = (u64::from(tail) % (MAX_PER_CLASS + 1)) as f64 * (100.0 / MAX_PER_CLASS as f64);
    if pct < validation_pct {
        Set::Validation
    } else if pct < testing_pct + validation_pct {
        Set::Testing
    } else {
        Set::Training
    }
}

/// True for the file names retraining takes: `.jpg`, `.jpeg` and `.png`, any case.
fn is_image(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e))
}

/// Reads `dir`: every sub-directory with at least one image is a class (sorted by
/// name); at least two are needed. Two directories with the same label are an error.
pub fn scan(dir: &Path, validation_pct: f64, testing_pct: f64) -> Result<Vec<Class>> {
    if !(0.0..=100.0).contains(&validation_pct)
        || !(0.0..=100.0).contains(&testing_pct)
        || validation_pct + testing_pct >= 100.0
    {
        return Err(Error::Option(format!(
            "validation ({validation_pct}%) and testing ({testing_pct}%) percentages must each be in 0..100 and leave some images for training"
        )));
    }
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                subdirs.push((name.to_string(), path.clone()));
            }
        }
    }
    subdirs.sort();
    let mut classes: Vec<Class> = Vec::new();
    for (name, path) in subdirs {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&path).map_err(|e| Error::io(&path, e))? {
            let entry = entry.map_err(|e| Error::io(&path, e))?;
            let p = entry.path();
            match p.file_name().and_then(|n| n.to_str()) {
                Some(f) if is_image(f) && p.is_file() => files.push((f.to_string(), p.clone())),
                _ => {}
            }
        }
        if files.is_empty() {
            continue;
        }
        files.sort();
        let label = label_of(&name);
        if let Some(other) = classes.iter().find(|c| c.label == label) {
            return Err(Error::ImageDir {
                dir: dir.to_path_buf(),
                what: format!(
                    "directories '{}' and '{name}' both give the label '{label}'",
                    other.dir_name
                ),
            });
        }
        let mut class = Class {
            dir_name: name,
            label,
            training: Vec::new(),
            validation: Vec::new(),
            testing: Vec::new(),
        };
        for (f, p) in files {
            match set_of(&f, validation_pct, testing_pct) {
                Set::Training => class.training.push(p),
                Set::Validation => class.validation.push(p),
                Set::Testing => class.testing.push(p),
            }
        }
        if class.training.is_empty() {
            return Err(Error::ImageDir {
                dir: dir.to_path_buf(),
                what: format!(
                    "class '{}' has no training image (add images or lower the validation and testing percentages)",
                    class.dir_name
                ),
            });
        }
        classes.push(class);
    }
    if classes.len() < 2 {
        return Err(Error::ImageDir {
            dir: dir.to_path_buf(),
            what: format!(
                "{} class director{} with .jpg/.jpeg/.png images found; retraining needs at least 2",
                classes.len(),
                if classes.len() == 1 { "y" } else { "ies" }
            ),
        });
    }
    Ok(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_as_retrain_py_makes_them() {
        assert_eq!(label_of("Daisy"), "daisy");
        assert_eq!(label_of("sun_flowers"), "sun flowers");
        assert_eq!(label_of("a--b__c"), "a b c");
        assert_eq!(label_of("Tulips!"), "tulips ");
        assert_eq!(label_of("_x"), " x");
    }

    #[test]
    fn nohash_suffix_is_ignored() {
        for (v, t) in [(10.0, 10.0), (30.0, 30.0), (0.0, 50.0)] {
            assert_eq!(set_of("cat_nohash_1.jpg", v, t), set_of("cat", v, t));
        }
    }

    #[test]
    fn percentages_bound_the_sets() {
        assert_eq!(set_of("anything.jpg", 0.0, 0.0), Set::Training);
        let names: Vec<String> = (0..2000).map(|i| format!("img{i}.jpg")).collect();
        let val = names
            .iter()
            .filter(|n| set_of(n, 10.0, 10.0) == Set::Validation)
            .count();
        assert!((100..300).contains(&val), "{val} of 2000 in validation");
    }
}
