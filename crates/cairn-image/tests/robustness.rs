//! Hostile bytes: errors, never panics, never allocations beyond the limit.

use crate::{fixture, TestResult};
use cairn_image::{decode, DecodeOptions, Error};
use proptest::prelude::*;

#[test]
fn truncated_jpeg_is_refused_like_tensorflow() -> TestResult {
    let bytes = std::fs::read(fixture("truncated.jpg"))?;
    let e = decode(&bytes, &DecodeOptions::default());
    match e {
        Err(Error::Corrupt { what, .. }) => {
            assert!(what.contains("Invalid JPEG data"), "{what}")
        }
        other => return Err(format!("expected a Corrupt error, got {other:?}").into()),
    }
    Ok(())
}

/// A JPEG header claiming 20000x20000 (rewritten SOF dimensions): refused under a small
/// limit before any pixel memory is taken.
#[test]
fn huge_header_is_refused_under_the_limit() -> TestResult {
    let mut bytes = std::fs::read(fixture("img_420.jpg"))?;
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .ok_or("no SOF0")?;
    bytes[sof + 5..sof + 7].copy_from_slice(&20000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&20000u16.to_be_bytes());
    let opts = DecodeOptions {
        max_bytes: 64 << 20,
        ..DecodeOptions::default()
    };
    match decode(&bytes, &opts) {
        Err(Error::TooLarge {
            width: 20000,
            height: 20000,
            bytes: 1_200_000_000,
            ..
        }) => Ok(()),
        other => Err(format!("expected TooLarge, got {other:?}").into()),
    }
}

#[test]
fn every_prefix_of_a_png_is_an_error_or_an_image() -> TestResult {
    let bytes = std::fs::read(fixture("png_rgba.png"))?;
    for n in 0..bytes.len() {
        let _ = decode(&bytes[..n], &DecodeOptions::default());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random byte flips in a JPEG or PNG never panic.
    #[test]
    fn flipped_bytes_never_panic(pos in 0usize..4096, val in any::<u8>(), png in any::<bool>()) {
        let name = if png { "png_rgb.png" } else { "img_prog.jpg" };
        let mut bytes = std::fs::read(fixture(name)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = pos % bytes.len();
        bytes[p] = val;
        let _ = decode(&bytes, &DecodeOptions { max_bytes: 16 << 20, ..DecodeOptions::default() });
    }
}
