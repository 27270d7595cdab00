//! cairn's decoder against TensorFlow's on every case of `fixtures/jpeg/` (made by
//! `xtask/python/fixtures_jpeg.py`) and the JPEGs of `fixtures/images/`: the same pixels,
//! bit for bit, with both inverse DCTs and as greyscale.

use super::decode;
use std::path::{Path, PathBuf};

/// A uint8 `.npy` file's shape and data.
fn npy(path: &Path) -> (Vec<usize>, Vec<u8>) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let hl = usize::from(u16::from_le_bytes([b[8], b[9]]));
    let header = std::str::from_utf8(&b[10..10 + hl]).expect("header");
    assert!(header.contains("'|u1'"), "{header}");
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("shape");
    let dims = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().expect("dim"))
        .collect();
    (dims, b[10 + hl..].to_vec())
}

fn fixtures(dir: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures")).join(dir)
}

fn compare(jpg: &Path, want: &Path, grey: bool, fast: bool) -> Result<(), String> {
    let data = std::fs::read(jpg).map_err(|e| e.to_string())?;
    let (dims, want) = npy(want);
    let got =
        decode(&data, grey, fast, 0, 1 << 30).map_err(|e| format!("{}: {e}", jpg.display()))?;
    if [got.height, got.width, got.channels] != dims[..] {
        return Err(format!(
            "{}: shape {:?} vs {dims:?}",
            jpg.display(),
            [got.height, got.width, got.channels]
        ));
    }
    let off = got.pixels.iter().zip(&want).filter(|(a, b)| a != b).count();
    if off > 0 {
        let worst = got
            .pixels
            .iter()
            .zip(&want)
            .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
            .max()
            .unwrap_or(0);
        return Err(format!(
            "{} (grey {grey}, fast {fast}): {off} of {} samples differ, by up to {worst}",
            jpg.display(),
            want.len()
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_decodes_to_tensorflows_pixels() {
    let dir = fixtures("jpeg");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/jpeg")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".jpg").map(String::from))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let mut failures = Vec::new();
    for n in &names {
        let jpg = dir.join(format!("{n}.jpg"));
        for (suffix, grey, fast) in [
            ("fast", false, true),
            ("accurate", false, false),
            ("grey", true, true),
        ] {
            if let Err(e) = compare(&jpg, &dir.join(format!("{n}.{suffix}.npy")), grey, fast) {
                failures.push(e);
            }
        }
    }
    let images = fixtures("images");
    for n in [
        "img_420", "img_422", "img_444", "img_prog", "img_grey", "img_1x1",
    ] {
        if let Err(e) = compare(
            &images.join(format!("{n}.jpg")),
            &images.join(format!("{n}.jpg.npy")),
            false,
            true,
        ) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
