//! Tensor values as C-order little-endian bytes, the layout safetensors and `.npy`
//! share: complex numbers as (re, im) pairs, bool as one byte 0 or 1, bfloat16 and
//! float16 as their 16-bit patterns.

use cairn_tensor::{Complex128, Complex64, DType, Storage, Tensor};
use half::{bf16, f16};

/// The values of `t` as little-endian bytes; `None` for strings, which have no fixed
/// layout.
pub fn to_le_bytes(t: &Tensor) -> Option<Vec<u8>> {
    fn le<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len().saturating_mul(N));
        for &x in v {
            out.extend_from_slice(&f(x));
        }
        out
    }
    fn pair<const N: usize, const H: usize>(re: [u8; H], im: [u8; H]) -> [u8; N] {
        let mut b = [0u8; N];
        b[..H].copy_from_slice(&re);
        b[H..].copy_from_slice(&im);
        b
    }
    Some(match t.storage() {
        Storage::F32(v) => le(v, f32::to_le_bytes),
        Storage::F64(v) => le(v, f64::to_le_bytes),
        Storage::I32(v) => le(v, i32::to_le_bytes),
        Storage::U8(v) => v.clone(),
        Storage::I16(v) => le(v, i16::to_le_bytes),
        Storage::I8(v) => le(v, i8::to_le_bytes),
        Storage::C64(v) => le(v, |c| pair::<8, 4>(c.re.to_le_bytes(), c.im.to_le_bytes())),
        Storage::I64(v) => le(v, i64::to_le_bytes),
        Storage::Bool(v) => v.iter().map(|&b| u8::from(b)).collect(),
        Storage::BF16(v) => le(v, |x| x.to_bits().to_le_bytes()),
        Storage::U16(v) => le(v, u16::to_le_bytes),
        Storage::C128(v) => le(v, |c| pair::<16, 8>(c.re.to_le_bytes(), c.im.to_le_bytes())),
        Storage::F16(v) => le(v, |x| x.to_bits().to_le_bytes()),
        Storage::U32(v) => le(v, u32::to_le_bytes),
        Storage::U64(v) => le(v, u64::to_le_bytes),
        Storage::String(_) => return None,
    })
}

/// The bytes `dims` of `dtype` need, `None` on overflow or for strings.
pub fn byte_len(dtype: DType, dims: &[usize]) -> Option<usize> {
    let n = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
    n.checked_mul(dtype.size()?)
}

/// A tensor of `dtype` and `dims` from little-endian `bytes`, which must be exactly
/// [`byte_len`] long (checked: a length mismatch is an element-count error). Any
/// non-zero byte is `true` for bool. `None` for strings.
pub fn from_le_bytes(
    dtype: DType,
    dims: Vec<usize>,
    bytes: &[u8],
) -> Option<cairn_tensor::Result<Tensor>> {
    fn le<T, const N: usize>(b: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        b.chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect()
    }
    fn half<const N: usize, const H: usize>(a: [u8; N]) -> ([u8; H], [u8; H]) {
        let (mut re, mut im) = ([0u8; H], [0u8; H]);
        re.copy_from_slice(&a[..H]);
        im.copy_from_slice(&a[H..]);
        (re, im)
    }
    let size = dtype.size()?;
    if !bytes.len().is_multiple_of(size) {
        return Some(Err(cairn_tensor::Error::ElementCount {
            shape: dims,
            len: bytes.len() / size,
        }));
    }
    let storage = match dtype {
        DType::Float32 => Storage::F32(le(bytes, f32::from_le_bytes)),
        DType::Float64 => Storage::F64(le(bytes, f64::from_le_bytes)),
        DType::Int32 => Storage::I32(le(bytes, i32::from_le_bytes)),
        DType::UInt8 => Storage::U8(bytes.to_vec()),
        DType::Int16 => Storage::I16(le(bytes, i16::from_le_bytes)),
        DType::Int8 => Storage::I8(le(bytes, i8::from_le_bytes)),
        DType::Complex64 => Storage::C64(le(bytes, |a: [u8; 8]| {
            let (re, im) = half::<8, 4>(a);
            Complex64 {
                re: f32::from_le_bytes(re),
                im: f32::from_le_bytes(im),
            }
        })),
        DType::Int64 => Storage::I64(le(bytes, i64::from_le_bytes)),
        DType::Bool => Storage::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::BFloat16 => Storage::BF16(le(bytes, |a| bf16::from_bits(u16::from_le_bytes(a)))),
        DType::UInt16 => Storage::U16(le(bytes, u16::from_le_bytes)),
        DType::Complex128 => Storage::C128(le(bytes, |a: [u8; 16]| {
            let (re, im) = half::<16, 8>(a);
            Complex128 {
                re: f64::from_le_bytes(re),
                im: f64::from_le_bytes(im),
            }
        })),
        DType::Float16 => Storage::F16(le(bytes, |a| f16::from_bits(u16::from_le_bytes(a)))),
        DType::UInt32 => Storage::U32(le(bytes, u32::from_le_bytes)),
        DType::UInt64 => Storage::U64(le(bytes, u64::from_le_bytes)),
        DType::String => return None,
    };
    Some(Tensor::new(dims, storage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_dtype_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        for dtype in DType::ALL {
            let Some(size) = dtype.size() else { continue };
            let bytes: Vec<u8> = (0..size * 3).map(|i| (i * 37 % 251) as u8 % 2).collect();
            let t = from_le_bytes(dtype, vec![3], &bytes).ok_or("string")??;
            assert_eq!(to_le_bytes(&t).ok_or("string")?, bytes, "{dtype:?}");
        }
        assert!(from_le_bytes(DType::Float32, vec![2], &[0; 7])
            .ok_or("")?
            .is_err());
        assert!(from_le_bytes(DType::Float32, vec![3], &[0; 8])
            .ok_or("")?
            .is_err());
        assert_eq!(byte_len(DType::Float64, &[usize::MAX, 2]), None);
        assert_eq!(byte_len(DType::Int16, &[]), Some(2));
        Ok(())
    }
}
