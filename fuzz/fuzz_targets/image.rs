//! Image decoding (JPEG and PNG, sniffed): the first byte picks the channels and the
//! 16-bit flag; pixels are capped at 64 MiB, so a size claim beyond that must be refused
//! before allocating.
#![no_main]

use cairn_image::{decode, DecodeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let opts = DecodeOptions {
        channels: [0, 1, 3, 4][usize::from(mode & 3)],
        uint16: mode & 4 != 0,
        max_bytes: 64 << 20,
        ..DecodeOptions::default()
    };
    if let Ok(img) = decode(bytes, &opts) {
        let _ = img.into_tensor();
    }
});
