//! Property tests: any set of tensors a format holds comes back bit-identical.

use cairn_formats::{npz, read, safetensors, write, Error};
use cairn_tensor::{DType, Tensor};
use proptest::prelude::*;
use std::path::Path;

/// A tensor of `dtype` and `dims` whose bytes come from `seed` (every bit pattern, NaNs
/// included; bool as 0/1).
fn tensor(dtype: DType, dims: Vec<usize>, seed: u64) -> Result<Tensor, TestCaseError> {
    let size = dtype.size().ok_or_else(|| TestCaseError::fail("string"))?;
    let n: usize = dims.iter().product();
    let mut x = seed;
    let bytes: Vec<u8> = (0..n * size)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (x >> 56) as u8;
            if dtype == DType::Bool {
                b & 1
            } else {
                b
            }
        })
        .collect();
    cairn_formats::raw::from_le_bytes(dtype, dims, &bytes)
        .ok_or_else(|| TestCaseError::fail("string"))?
        .map_err(|e| TestCaseError::fail(e.to_string()))
}

type Key = (String, DType, Vec<usize>, Option<Vec<u8>>);

/// Compares two tensor lists bit for bit (NaN payloads included), ignoring order.
fn same_bits(a: &[(String, Tensor)], b: &[(String, Tensor)]) -> bool {
    let key = |v: &[(String, Tensor)]| {
        let mut k: Vec<Key> = v
            .iter()
            .map(|(n, t)| {
                (
                    n.clone(),
                    t.dtype(),
                    t.dims().to_vec(),
                    cairn_formats::raw::to_le_bytes(t),
                )
            })
            .collect();
        k.sort_by(|x, y| x.0.cmp(&y.0));
        k
    };
    key(a) == key(b)
}

fn tensor_set(dtypes: Vec<DType>) -> impl Strategy<Value = Vec<(String, Tensor)>> {
    let one = (
        proptest::sample::select(dtypes),
        proptest::collection::vec(0usize..4, 0..4),
        any::<u64>(),
    );
    proptest::collection::vec(one, 0..6).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .filter_map(|(i, (d, dims, seed))| {
                Some((
                    format!("layer{i}/w_{}", d.tf_name()),
                    tensor(d, dims, seed).ok()?,
                ))
            })
            .collect()
    })
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn held(except: &[DType]) -> Vec<DType> {
    DType::ALL
        .into_iter()
        .filter(|d| *d != DType::String && !except.contains(d))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn safetensors_round_trip(set in tensor_set(held(&[DType::Complex128]))) {
        let p = Path::new("x.safetensors");
        let bytes = safetensors::encode(&set, p).map_err(fail)?;
        let back = safetensors::decode(&bytes, p).map_err(fail)?;
        prop_assert!(same_bits(&set, &back));
    }

    #[test]
    fn npz_round_trip(set in tensor_set(held(&[]))) {
        let p = Path::new("x.npz");
        let bytes = npz::encode(&set, p).map_err(fail)?;
        let back = npz::decode(&bytes, p).map_err(fail)?;
        prop_assert!(same_bits(&set, &back));
        // Archive order is the order given.
        let names: Vec<&String> = back.iter().map(|(n, _)| n).collect();
        let want: Vec<&String> = set.iter().map(|(n, _)| n).collect();
        prop_assert_eq!(names, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// checkpoint → safetensors → checkpoint and checkpoint → npz → checkpoint, on disk.
    #[test]
    fn through_files(set in tensor_set(held(&[DType::Complex128]))) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ckpt = dir.path().join("model.ckpt");
        write(&ckpt, &set).map_err(fail)?;
        for ext in ["safetensors", "npz"] {
            let mid = dir.path().join(format!("model.{ext}"));
            write(&mid, &read(&ckpt).map_err(fail)?).map_err(fail)?;
            let again = dir.path().join(format!("again-{ext}.ckpt"));
            write(&again, &read(&mid).map_err(fail)?).map_err(fail)?;
            prop_assert!(same_bits(&set, &read(&again).map_err(fail)?));
        }
    }
}

#[test]
fn what_a_format_cannot_hold_is_a_clear_error() -> crate::TestResult {
    let p = Path::new("out.safetensors");
    let s = vec![(
        "vocab".to_string(),
        Tensor::from_vec([1usize], vec![b"a".to_vec()])?,
    )];
    let e = safetensors::encode(&s, p).err().ok_or("strings accepted")?;
    let msg = e.to_string();
    assert!(
        msg.contains("out.safetensors") && msg.contains("\"vocab\"") && msg.contains("string"),
        "{msg}"
    );
    assert!(matches!(
        npz::encode(&s, Path::new("o.npz")),
        Err(Error::Unsupported { .. })
    ));
    let c = vec![("c".to_string(), Tensor::zeros(DType::Complex128, [2usize])?)];
    assert!(matches!(
        safetensors::encode(&c, p),
        Err(Error::Unsupported {
            dtype: DType::Complex128,
            ..
        })
    ));
    let dup = vec![
        ("a".to_string(), Tensor::scalar(1f32)),
        ("a".to_string(), Tensor::scalar(2f32)),
    ];
    assert!(matches!(
        npz::encode(&dup, Path::new("o.npz")),
        Err(Error::Duplicate { .. })
    ));
    assert!(matches!(
        safetensors::encode(&dup, p),
        Err(Error::Duplicate { .. })
    ));
    Ok(())
}

#[test]
fn zero_size_and_scalar_tensors() -> crate::TestResult {
    let set = vec![
        (
            "empty".to_string(),
            Tensor::zeros(DType::Float32, [0usize, 3])?,
        ),
        ("step".to_string(), Tensor::scalar(7i64)),
        (
            "bf".to_string(),
            Tensor::zeros(DType::BFloat16, Vec::<usize>::new())?,
        ),
    ];
    for ext in ["safetensors", "npz"] {
        let p = Path::new("x").with_extension(ext);
        let bytes = if ext == "npz" {
            npz::encode(&set, &p)?
        } else {
            safetensors::encode(&set, &p)?
        };
        let back = if ext == "npz" {
            npz::decode(&bytes, &p)?
        } else {
            safetensors::decode(&bytes, &p)?
        };
        assert!(same_bits(&set, &back), "{ext}");
    }
    Ok(())
}
