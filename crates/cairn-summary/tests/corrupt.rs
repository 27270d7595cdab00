//! Damaged files: every flipped byte and every truncation is a typed error, never a panic.

use super::TestResult;
use cairn_summary::{encode_record, Error, EventReader, Part, Records};
use proptest::prelude::*;
use std::path::Path;

fn two_records() -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(b"first record", &mut b);
    encode_record(b"second", &mut b);
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_flipped_bit_is_detected(data in prop::collection::vec(any::<u8>(), 0..100), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = Vec::new();
        encode_record(&data, &mut bytes);
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let r: Result<Vec<_>, _> = Records::new(&bytes, Path::new("f")).collect();
        prop_assert!(r.is_err(), "flipping bit {} of byte {} went unnoticed", bit, i);
    }

    #[test]
    fn any_truncation_is_detected(cut in 1usize..50) {
        let bytes = two_records();
        let keep = bytes.len() - cut;
        let r: Result<Vec<_>, _> = Records::new(&bytes[..keep], Path::new("f")).collect();
        if keep == 28 {
            // Exactly the first record: a valid file.
            prop_assert!(r.is_ok());
        } else {
            prop_assert!(matches!(r, Err(Error::Truncated { .. })), "{:?}", r);
        }
    }
}

#[test]
fn bad_data_crc_names_file_and_offset() -> TestResult {
    let mut bytes = two_records();
    // The second record starts at 12 + 12 + 4 = 28; corrupt its data.
    bytes[28 + 12] ^= 0xff;
    let reader = EventReader::from_bytes(bytes, Path::new("run/events.out.tfevents.1.h"));
    let r: Result<Vec<_>, _> = reader.records().collect();
    match r {
        Err(
            e @ Error::Crc {
                offset: 28,
                part: Part::Footer,
                ..
            },
        ) => {
            let msg = e.to_string();
            assert!(msg.contains("run/events.out.tfevents.1.h"), "{msg}");
            assert!(msg.contains("offset 28"), "{msg}");
            Ok(())
        }
        other => Err(format!("expected a data CRC error at 28, got {other:?}").into()),
    }
}

#[test]
fn bad_length_crc_is_a_header_error() -> TestResult {
    let mut bytes = two_records();
    bytes[0] ^= 1;
    match Records::new(&bytes, Path::new("f")).next() {
        Some(Err(Error::Crc {
            part: Part::Header,
            offset: 0,
            ..
        })) => Ok(()),
        other => Err(format!("{other:?}").into()),
    }
}

#[test]
fn record_that_is_not_an_event_is_a_decode_error() -> TestResult {
    let mut bytes = Vec::new();
    encode_record(&[0xff, 0xff, 0xff], &mut bytes);
    match EventReader::from_bytes(bytes, Path::new("f")).events() {
        Err(Error::Decode { offset: 0, .. }) => Ok(()),
        other => Err(format!("{other:?}").into()),
    }
}
