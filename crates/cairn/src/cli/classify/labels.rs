//! Label files for `cairn classify`: the 2015 Inception pair
//! (`imagenet_2012_challenge_label_map_proto.pbtxt`: class id → synset, and
//! `imagenet_synset_to_human_label_map.txt`: synset → names) or one label per line
//! (`retrain.py`'s `output_labels.txt`, line `i` naming class `i`).

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The 2015 label-map file name, looked for beside the model when no `--labels` is given.
pub const LABEL_MAP: &str = "imagenet_2012_challenge_label_map_proto.pbtxt";
/// The 2015 synset-to-names file name.
pub const SYNSETS: &str = "imagenet_synset_to_human_label_map.txt";

/// Human-readable class names.
#[derive(Debug, Default)]
pub enum Labels {
    /// No label file: classes are shown by number.
    #[default]
    None,
    /// One label per line.
    Lines(Vec<String>),
    /// Class id → synset → names, as `classify_image.py`'s `NodeLookup`.
    Synsets {
        /// `target_class` → `target_class_string`.
        classes: HashMap<i64, String>,
        /// Synset → human names.
        names: HashMap<String, String>,
    },
}

impl Labels {
    /// The name of `class`: empty when the files do not name it (as `NodeLookup` does).
    pub fn name(&self, class: usize) -> String {
        match self {
            Labels::None => class.to_string(),
            Labels::Lines(v) => v.get(class).cloned().unwrap_or_default(),
            Labels::Synsets { classes, names } => i64::try_from(class)
                .ok()
                .and_then(|c| classes.get(&c))
                .and_then(|s| names.get(s))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Loads `--labels`/`--synsets`, or the 2015 pair beside `model` when neither is given.
    pub fn load(labels: Option<&Path>, synsets: Option<&Path>, model: &Path) -> Result<Labels> {
        let beside = |name: &str| -> Option<PathBuf> {
            let p = model.parent().unwrap_or(Path::new(".")).join(name);
            p.is_file().then_some(p)
        };
        let Some(labels) = labels else {
            if synsets.is_some() {
                bail!("--synsets needs --labels (the label map naming each class's synset)");
            }
            return match (beside(LABEL_MAP), beside(SYNSETS)) {
                (Some(m), Some(s)) => Labels::load(Some(&m), Some(&s), model),
                _ => Ok(Labels::None),
            };
        };
        let text = std::fs::read_to_string(labels)
            .with_context(|| format!("reading labels {}", labels.display()))?;
        if !text.contains("target_class") {
            if synsets.is_some() {
                bail!(
                    "{} is not a label map (no target_class entries), so --synsets cannot apply",
                    labels.display()
                );
            }
            return Ok(Labels::Lines(
                text.lines().map(|l| l.trim_end().to_string()).collect(),
            ));
        }
        let classes = parse_label_map(&text)
            .with_context(|| format!("parsing label map {}", labels.display()))?;
        let synsets = match synsets {
            Some(s) => s.to_path_buf(),
            None => labels.parent().unwrap_or(Path::new(".")).join(SYNSETS),
        };
        let names = std::fs::read_to_string(&synsets)
            .with_context(|| format!("reading synsets {}", synsets.display()))?;
        Ok(Labels::Synsets {
            classes,
            names: parse_synsets(&names),
        })
    }
}

/// `entry { target_class: 449 target_class_string: "n01440764" }` blocks, in any layout.
pub fn parse_label_map(text: &str) -> Result<HashMap<i64, String>> {
    let mut map = HashMap::new();
    let mut class: Option<i64> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix("target_class:") {
            let v = v.trim();
            class = Some(v.parse().with_context(|| {
                format!("line {}: target_class '{v}' is not an integer", i + 1)
            })?);
        } else if let Some(v) = line.strip_prefix("target_class_string:") {
            let s = v.trim().trim_matches('"').to_string();
            let Some(c) = class.take() else {
                bail!(
                    "line {}: target_class_string without a target_class before it",
                    i + 1
                );
            };
            map.insert(c, s);
        }
    }
    if map.is_empty() {
        bail!("no entries");
    }
    Ok(map)
}

/// `n00004475<TAB>organism, being` lines (a space also separates).
pub fn parse_synsets(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_end();
            let (k, v) = l.split_once('\t').or_else(|| l.split_once(' '))?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_map_and_synsets() -> Result<()> {
        let map = parse_label_map(
            "# comment\nentry {\n  target_class: 169\n  target_class_string: \"n02510455\"\n}\n",
        )?;
        let names = parse_synsets("n02510455\tgiant panda, panda\nn0\tx\n");
        let l = Labels::Synsets {
            classes: map,
            names,
        };
        assert_eq!(l.name(169), "giant panda, panda");
        assert_eq!(l.name(3), "");
        assert!(parse_label_map("target_class: x").is_err());
        assert!(parse_label_map("target_class_string: \"n1\"").is_err());
        Ok(())
    }
}
