//! Hostile checkpoints (valid CRCs, lying contents) are typed errors, found before any
//! allocation the lie would size; and the leftovers of a killed save do not survive the
//! next one.

#[path = "hostile_files.rs"]
mod files;

use crate::util::TestResult;
use cairn_checkpoint::{BundleReader, Error, Saver};
use cairn_tensor::Tensor;
use std::collections::BTreeMap;

/// Opens the bundle and reads tensor "a" (and every listed one).
fn open_and_read(prefix: &std::path::Path) -> Result<(), Error> {
    let r = BundleReader::open(prefix)?;
    for e in r.list() {
        r.read(&e.name)?;
    }
    r.read("a").map(|_| ())
}

#[test]
fn every_hostile_checkpoint_is_a_typed_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let all = files::write_all(dir.path())?;
    assert!(all.len() >= 14);
    for h in &all {
        let err = match open_and_read(&h.prefix) {
            Ok(()) => return Err(format!("{}: accepted", h.name).into()),
            Err(e) => e,
        };
        let expected = match h.name {
            "overflowing_element_count"
            | "2e60_elements"
            | "negative_dimension"
            | "255_dimensions"
            | "unknown_dtype"
            | "offset_past_end"
            | "size_past_end" => matches!(err, Error::BadEntry { ref tensor, .. } if tensor == "a"),
            "string_length_2e62" => {
                matches!(err, Error::Corrupt { ref what, .. } if what.contains("add up to"))
            }
            "absurd_shard_count" | "negative_shard_count" => matches!(err, Error::Corrupt { .. }),
            "block_handle_past_end" | "restart_array_longer_than_block" => {
                matches!(err, Error::Corrupt { .. })
            }
            "huge_protobuf_length" | "deeply_nested_protobuf" => {
                matches!(err, Error::Proto { ref key, .. } if key == "a")
            }
            other => return Err(format!("no expectation for {other}").into()),
        };
        assert!(expected, "{}: unexpected error {err:?}", h.name);
        // Every message names the file it is about.
        let text = err.to_string();
        assert!(
            text.contains("model.ckpt"),
            "{}: error does not name the file: {text}",
            h.name
        );
    }
    Ok(())
}

#[test]
fn crc32c_of_the_test_helper_matches_the_standard_check_value() -> TestResult {
    // RFC 3720's check value for "123456789".
    assert_eq!(files::crc32c(b"123456789"), 0xE306_9283);
    Ok(())
}

#[test]
fn a_save_removes_the_temporary_files_of_a_killed_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    // What a save killed at various moments leaves behind.
    let leftovers = [
        "model.ckpt-100.data-00000-of-00001.tempstate41231795450194691934559",
        "model.ckpt-100.index.tempstate41231795450194691934559",
        "model.ckpt-100.meta.tmp",
        "checkpoint.tmp4123",
    ];
    for n in leftovers {
        std::fs::write(dir.path().join(n), b"partial")?;
    }
    std::fs::write(dir.path().join("notes.tmp"), b"not ours")?;
    let mut saver = Saver::new(5, None);
    let mut vars = BTreeMap::new();
    vars.insert("v".to_string(), Tensor::scalar(1f32));
    saver.save(&dir.path().join("model.ckpt"), Some(200), &vars)?;
    for n in leftovers {
        assert!(!dir.path().join(n).exists(), "{n} survived the save");
    }
    assert!(dir.path().join("notes.tmp").exists());
    assert!(dir.path().join("model.ckpt-200.index").exists());
    Ok(())
}
