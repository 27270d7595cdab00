//! The bundle reader: the input is split into an `.index` file and one data file
//! (a little-endian u32 length of the index first), written to a temporary directory;
//! the bundle is opened and every listed tensor read.
#![no_main]

use cairn_checkpoint::{data_filename, index_filename, BundleReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let n = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (index, shard) = rest.split_at(n);
    let Ok(dir) = tempfile::tempdir() else { return };
    let prefix = dir.path().join("model.ckpt");
    if std::fs::write(index_filename(&prefix), index).is_err()
        || std::fs::write(data_filename(&prefix, 0, 1), shard).is_err()
    {
        return;
    }
    if let Ok(r) = BundleReader::open(&prefix) {
        for e in r.list() {
            let _ = r.read(&e.name);
        }
        let _ = r.read("global_step");
    }
});
