//! The text `checkpoint` state file parser.
#![no_main]

use cairn_checkpoint::CheckpointState;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(st) = CheckpointState::parse(&text, Path::new("checkpoint")) {
        let again = CheckpointState::parse(&st.to_text(), Path::new("checkpoint"));
        assert!(again.is_ok(), "to_text output does not parse: {again:?}");
        let _ = st.latest(Path::new("/ckpt"));
    }
});
