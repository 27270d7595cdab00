//! The IDX reader (raw or gzip): any bytes give an array or an error, never a panic
//! or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = cairn_mnist::parse_idx(data, Path::new("fuzz.idx"));
});
