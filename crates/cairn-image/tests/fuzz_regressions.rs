//! Inputs on which `fuzz/`'s `image` target once crashed (`fuzz/regressions/image/`):
//! each must decode or be an error, never panic. The first byte picks the options as the
//! fuzz target does.

use cairn_image::{decode, DecodeOptions};
use std::path::PathBuf;

use crate::TestResult;

#[test]
fn fuzz_crashes_are_errors_not_panics() -> TestResult {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/image");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let data = std::fs::read(&path)?;
        let Some((&mode, bytes)) = data.split_first() else {
            continue;
        };
        let opts = DecodeOptions {
            channels: [0, 1, 3, 4][usize::from(mode & 3)],
            uint16: mode & 4 != 0,
            max_bytes: 64 << 20,
            ..DecodeOptions::default()
        };
        // Ok or Err: both fine; a panic fails the test.
        let _ = decode(bytes, &opts);
        seen += 1;
    }
    assert!(seen >= 1, "no regression inputs in {}", dir.display());
    Ok(())
}
