//! Files written by Python (`xtask/python/fixtures_convert.py`): safetensors'
//! `save_file`, numpy's `np.savez` and `np.savez_compressed`, read and compared with the
//! values the script recorded in `fixtures/convert/result.json`.

use cairn_formats::{raw, read};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/convert")
}

#[test]
fn every_python_file_reads_back_to_the_recorded_values() -> crate::TestResult {
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("result.json"))?)?;
    let files = result["files"].as_object().ok_or("no files")?;
    assert_eq!(
        files.len(),
        4,
        "safetensors (numpy, torch), npz (stored, deflated)"
    );
    for (file, want) in files {
        let got = read(&dir().join(file))?;
        let want = want.as_array().ok_or("tensors")?;
        assert_eq!(got.len(), want.len(), "{file}");
        for w in want {
            let name = w["name"].as_str().ok_or("name")?;
            let (_, t) = got
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| format!("{file}: {name} missing"))?;
            assert_eq!(t.dtype().numpy_name(), w["dtype"], "{file}: {name}");
            let shape: Vec<usize> = serde_json::from_value(w["shape"].clone())?;
            assert_eq!(t.dims(), shape.as_slice(), "{file}: {name}");
            let bytes = raw::to_le_bytes(t).ok_or("string")?;
            let sha = format!("{:x}", Sha256::digest(&bytes));
            assert_eq!(sha, w["sha256"].as_str().ok_or("sha256")?, "{file}: {name}");
        }
    }
    Ok(())
}

#[test]
fn np_savez_keeps_slashes_and_order() -> crate::TestResult {
    let got = read(&dir().join("python.npz"))?;
    assert!(got.iter().any(|(n, _)| n == "layer1/weights"));
    let z = read(&dir().join("python_compressed.npz"))?;
    assert_eq!(
        got, z,
        "np.savez and np.savez_compressed hold the same tensors"
    );
    Ok(())
}

/// TensorFlow's own checkpoints through [`read`]: partitioned tensors come back whole,
/// and what safetensors cannot hold is refused by name.
#[test]
fn tensorflow_checkpoints_read_whole() -> crate::TestResult {
    let ckpts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/checkpoints");
    let sharded = read(&ckpts.join("tf1_sharded/model.ckpt-7"))?;
    let names: Vec<&str> = sharded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["partitioned/embedding", "shard0/a", "shard1/b"]);
    assert_eq!(sharded[0].1.dims(), &[10, 3]);
    let object = read(&ckpts.join("tf2_object/ckpt"))?;
    let dir = tempfile::tempdir()?;
    let e = cairn_formats::write(&dir.path().join("o.safetensors"), &object)
        .err()
        .ok_or("strings written to safetensors")?;
    assert!(matches!(e, cairn_formats::Error::Unsupported { .. }), "{e}");
    assert!(
        e.to_string().contains("_CHECKPOINTABLE_OBJECT_GRAPH"),
        "{e}"
    );
    Ok(())
}
