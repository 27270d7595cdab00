//! Hostile files: every one is a typed error naming the file, never a panic or a huge
//! allocation.

use cairn_formats::{npz, safetensors, Error};
use cairn_tensor::Tensor;
use proptest::prelude::*;
use std::path::Path;

fn sample() -> Result<Vec<(String, Tensor)>, Box<dyn std::error::Error>> {
    Ok(vec![
        (
            "a".to_string(),
            Tensor::from_vec([2usize, 2], vec![1f32, 2., 3., 4.])?,
        ),
        ("b/c".to_string(), Tensor::scalar(5i64)),
    ])
}

#[test]
fn safetensors_header_claiming_2_pow_60_bytes() -> crate::TestResult {
    let p = Path::new("evil.safetensors");
    let mut b = safetensors::encode(&sample()?, p)?;
    b[..8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let e = safetensors::decode(&b, p).err().ok_or("accepted")?;
    assert!(matches!(e, Error::Safetensors { .. }));
    assert!(e.to_string().contains("evil.safetensors"), "{e}");
    Ok(())
}

#[test]
fn safetensors_offsets_past_the_end() -> crate::TestResult {
    let p = Path::new("evil.safetensors");
    let header = r#"{"a":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,4000000000000000000]}}"#;
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(&[0; 16]);
    assert!(matches!(
        safetensors::decode(&b, p),
        Err(Error::Safetensors { .. })
    ));
    let f8 = r#"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#;
    let mut b = (f8.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(f8.as_bytes());
    b.extend_from_slice(&[0; 2]);
    assert!(matches!(
        safetensors::decode(&b, p),
        Err(Error::ForeignDType { .. })
    ));
    Ok(())
}

#[test]
fn npz_member_lying_about_its_size() -> crate::TestResult {
    let p = Path::new("evil.npz");
    let b = npz::encode(&sample()?, p)?;
    // The central directory's uncompressed size of the first member, set to 2^32-2.
    let cd = b
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .ok_or("no directory")?;
    let mut lie = b.clone();
    lie[cd + 24..cd + 28].copy_from_slice(&0xffff_fffeu32.to_le_bytes());
    lie[cd + 20..cd + 24].copy_from_slice(&0xffff_fffeu32.to_le_bytes());
    let e = npz::decode(&lie, p).err().ok_or("accepted")?;
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("evil.npz"), "{e}");
    Ok(())
}

#[test]
fn npy_header_length_past_the_end() -> crate::TestResult {
    let p = Path::new("evil.npz");
    let b = npz::encode(&sample()?, p)?;
    // The first member's .npy header length (after the 30-byte local header, the
    // name `a.npy` and the 8 magic/version bytes).
    let mut lie = b.clone();
    lie[30 + 5 + 8] = 0xff;
    lie[30 + 5 + 9] = 0xff;
    // Its CRC no longer matches: still an error, never a panic.
    assert!(npz::decode(&lie, p).is_err());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_files_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let set = sample().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = Path::new("x");
        for encoded in [npz::encode(&set, p), safetensors::encode(&set, p)] {
            let mut b = encoded.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let i = at.index(b.len());
            b[i] = byte;
            let _ = npz::decode(&b, p);
            let _ = safetensors::decode(&b, p);
            let n = cut.index(b.len());
            let _ = npz::decode(&b[..n], p);
            let _ = safetensors::decode(&b[..n], p);
        }
    }
}
