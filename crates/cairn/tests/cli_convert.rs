//! `cairn convert` between checkpoints, safetensors and `.npz`: round trips are
//! bit-identical (compared with `cairn inspect --json` sha256s and with `BundleReader`),
//! `--only`/`--rename` work in every direction, and what a format cannot hold is a clear
//! error.

use crate::{cairn, TestResult};
use cairn::checkpoint::BundleReader;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn convert(args: &[&Path], extra: &[&str]) -> Result<std::process::Output, std::io::Error> {
    cairn().arg("convert").args(args).args(extra).output()
}

fn ok(out: std::process::Output) -> TestResult {
    if !out.status.success() {
        return Err(format!(
            "cairn convert failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// `cairn inspect --json` of a checkpoint: (name, dtype, shape, sha256) per tensor.
fn inspect(path: &Path) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let out = cairn().arg("inspect").arg(path).arg("--json").output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(v["tensors"].as_array().ok_or("no tensors")?.clone())
}

/// The non-string tensors of the dtypes fixture (every dtype, empty and scalar tensors),
/// without complex128 when `safetensors`.
fn held(reader: &BundleReader, safetensors: bool) -> Vec<String> {
    use cairn::tensor::DType;
    reader
        .list()
        .into_iter()
        .filter(|e| e.dtype != DType::String && !(safetensors && e.dtype == DType::Complex128))
        .map(|e| e.name)
        .collect()
}

#[test]
fn checkpoint_to_safetensors_and_npz_and_back_is_bit_identical() -> TestResult {
    let dir = tempfile::tempdir()?;
    let src = fixture("checkpoints/dtypes/model.ckpt");
    let reader = BundleReader::open(&src)?;
    for ext in ["safetensors", "npz"] {
        let names = held(&reader, ext == "safetensors");
        let only: Vec<&str> = names.iter().flat_map(|n| ["--only", n.as_str()]).collect();
        let mid = dir.path().join(format!("model.{ext}"));
        ok(convert(&[&src, &mid], &only)?)?;
        let back = dir.path().join(ext).join("model.ckpt");
        ok(convert(&[&mid, &back], &[])?)?;
        // The state file names the new checkpoint, so the directory resolves to it.
        let want: Vec<_> = inspect(&src)?
            .into_iter()
            .filter(|t| names.iter().any(|n| t["name"] == n.as_str()))
            .collect();
        assert_eq!(want.len(), names.len());
        assert_eq!(inspect(&back.with_file_name(""))?, want, "{ext}");
        let again = BundleReader::open(&back)?;
        for n in &names {
            assert_eq!(again.read(n)?, reader.read(n)?, "{ext}: {n}");
        }
    }
    Ok(())
}

#[test]
fn tf1_checkpoint_round_trips_with_only_and_rename() -> TestResult {
    let dir = tempfile::tempdir()?;
    let src = fixture("checkpoints/tf1_simple");
    let reader = BundleReader::open(fixture("checkpoints/tf1_simple/model.ckpt-3000"))?;
    for ext in ["safetensors", "npz"] {
        let mid = dir.path().join(format!("w.{ext}"));
        ok(convert(
            &[&src, &mid],
            &[
                "--only",
                "layer1/weights",
                "--only",
                "global_step",
                "--rename",
                "layer1/weights=dense/kernel",
            ],
        )?)?;
        let back = dir.path().join(format!("{ext}.ckpt"));
        ok(convert(
            &[&mid, &back],
            &["--rename", "dense/kernel=layer1/weights"],
        )?)?;
        let r = BundleReader::open(&back)?;
        let names: Vec<String> = r.list().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["global_step", "layer1/weights"], "{ext}");
        for n in &names {
            assert_eq!(r.read(n)?, reader.read(n)?, "{ext}: {n}");
        }
        // A destination named by its .index file is that prefix.
        let index = dir.path().join(format!("i-{ext}.ckpt.index"));
        ok(convert(&[&mid, &index], &[])?)?;
        assert!(index.is_file() && !index.with_extension("index.index").exists());
        // Between the two foreign formats too, with --only on a non-checkpoint source.
        let other = dir.path().join(if ext == "npz" {
            "x.safetensors"
        } else {
            "x.npz"
        });
        ok(convert(&[&mid, &other], &["--only", "global_step"])?)?;
        let bad = convert(&[&mid, &other], &["--only", "nope"])?;
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
    }
    Ok(())
}

#[test]
fn what_a_format_cannot_hold_is_refused_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let src = fixture("checkpoints/dtypes/model.ckpt");
    for (dst, tensor) in [
        ("s.safetensors", "dtypes/string"),
        ("s.npz", "dtypes/string"),
    ] {
        let out = convert(&[&src, &dir.path().join(dst)], &[])?;
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(tensor) && err.contains(dst), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = convert(
        &[&src, &dir.path().join("c.safetensors")],
        &["--only", "dtypes/complex128"],
    )?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("complex128"), "{err}");
    // Hostile input: a header claiming 2^60 bytes.
    let evil = dir.path().join("evil.safetensors");
    let mut bytes = (1u64 << 60).to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    std::fs::write(&evil, bytes)?;
    let out = convert(&[&evil, &dir.path().join("e.npz")], &[])?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("evil.safetensors") && !err.contains("panicked"),
        "{err}"
    );
    // Unknown extensions are not taken for checkpoint prefixes.
    let out = convert(&[&src, &dir.path().join("w.pt")], &[])?;
    assert!(!out.status.success());
    Ok(())
}

#[test]
fn reads_the_files_python_wrote() -> TestResult {
    let dir = tempfile::tempdir()?;
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("convert/result.json"))?)?;
    for (file, tensors) in result["files"].as_object().ok_or("no files")? {
        let ckpt = dir.path().join(file.replace('.', "_"));
        ok(convert(&[&fixture("convert").join(file), &ckpt], &[])?)?;
        let got = inspect(&ckpt)?;
        let tensors = tensors.as_array().ok_or("tensors")?;
        assert_eq!(got.len(), tensors.len(), "{file}");
        for want in tensors {
            let g = got
                .iter()
                .find(|g| g["name"] == want["name"])
                .ok_or_else(|| format!("{file}: {} missing", want["name"]))?;
            assert_eq!(g["sha256"], want["sha256"], "{file}: {}", want["name"]);
            assert_eq!(g["shape"], want["shape"], "{file}: {}", want["name"]);
            assert_eq!(g["dtype"], want["dtype"], "{file}: {}", want["name"]);
        }
    }
    Ok(())
}

/// What `fixtures_convert.py` recorded: Python (safetensors, numpy) read cairn's files,
/// and TensorFlow read the checkpoints cairn converted from Python's files.
#[test]
fn python_read_what_cairn_wrote() -> TestResult {
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("convert/result.json"))?)?;
    let reads = result["python_reads_cairn"]
        .as_object()
        .ok_or("no python_reads_cairn")?;
    for key in [
        "tf1_simple.safetensors",
        "tf1_simple.npz",
        "dtypes.safetensors",
        "dtypes.npz",
        "dtypes.strings_refused",
        "tf_reads.python.safetensors",
        "tf_reads.python_bf16.safetensors",
        "tf_reads.python.npz",
        "tf_reads.python_compressed.npz",
    ] {
        assert_eq!(reads[key]["ok"], true, "{key}: {}", reads[key]);
    }
    for (key, v) in reads {
        assert_eq!(v["ok"], true, "{key}: {v}");
    }
    Ok(())
}
