//! The table (SSTable) reader of a bundle's `.index` file: open, then walk every entry
//! and look one key up.
#![no_main]

use cairn_checkpoint::table::Table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = Table::from_bytes("fuzz.index", data.to_vec()) {
        let _ = t.entries();
        let _ = t.get(b"global_step");
    }
});
