//! `.npy` files: the magic `\x93NUMPY`, a version (1.0 is written; 1.0, 2.0 and 3.0
//! are read), a little-endian header length (u16, u32 from 2.0 on), a header that is a
//! Python dict literal (`{'descr': '<f4', 'fortran_order': False, 'shape': (784, 500), }`)
//! padded with spaces and a newline so the values start at a multiple of 64 bytes, then
//! the values in C order.
//!
//! Every dtype but strings is written. numpy has no bfloat16: it is written as `<V2`
//! (two raw bytes, which is also what `np.save` writes for an `ml_dtypes.bfloat16`
//! array; `np.load(f).view(ml_dtypes.bfloat16)` recovers it), and `<V2`/`|V2` reads back
//! as bfloat16.

use crate::raw;
use crate::{Error, Result};
use cairn_tensor::{DType, Tensor};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";
/// The values start at a multiple of this.
const ALIGN: usize = 64;

/// numpy's type string for `dtype` (`None` for strings).
pub fn descr(dtype: DType) -> Option<&'static str> {
    Some(match dtype {
        DType::Float32 => "<f4",
        DType::Float64 => "<f8",
        DType::Float16 => "<f2",
        DType::BFloat16 => "<V2",
        DType::Int8 => "|i1",
        DType::Int16 => "<i2",
        DType::Int32 => "<i4",
        DType::Int64 => "<i8",
        DType::UInt8 => "|u1",
        DType::UInt16 => "<u2",
        DType::UInt32 => "<u4",
        DType::UInt64 => "<u8",
        DType::Bool => "|b1",
        DType::Complex64 => "<c8",
        DType::Complex128 => "<c16",
        DType::String => return None,
    })
}

/// The dtype a numpy type string names (`=` and `|` read as `<`; one-byte types in any
/// byte order), `None` for anything cairn cannot hold (big-endian, strings, objects,
/// structured dtypes).
pub fn dtype_of(s: &str) -> Option<DType> {
    let (order, rest) = s.split_at_checked(1)?;
    let one_byte = rest.ends_with('1') && rest.len() == 2;
    if !(matches!(order, "<" | "=" | "|") || order == ">" && one_byte) {
        return None;
    }
    if rest == "V2" {
        return Some(DType::BFloat16);
    }
    DType::ALL
        .into_iter()
        .find(|&d| d != DType::BFloat16 && descr(d).is_some_and(|s| &s[1..] == rest))
}

/// The complete `.npy` file for `t`; `name` and `path` only label the error for a
/// string tensor.
pub fn encode(t: &Tensor, name: &str, path: &Path) -> Result<Vec<u8>> {
    let unsupported = || Error::Unsupported {
        path: path.to_path_buf(),
        name: name.to_string(),
        dtype: t.dtype(),
        format: ".npy",
    };
    let descr = descr(t.dtype()).ok_or_else(unsupported)?;
    let data = raw::to_le_bytes(t).ok_or_else(unsupported)?;
    let shape = match t.dims() {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // magic (6) + version (2) + length (2) + header + '\n', rounded up to ALIGN.
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    let total = unpadded.div_ceil(ALIGN) * ALIGN;
    header.push_str(&" ".repeat(total - unpadded));
    header.push('\n');
    let len = u16::try_from(header.len()).map_err(|_| Error::TooLarge {
        path: path.to_path_buf(),
        what: format!("tensor {name:?}: a .npy 1.0 header cannot hold shape {shape}"),
    })?;
    let mut out = Vec::with_capacity(total.saturating_add(data.len()));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

/// The text after `'key':` in a header dict, up to the end of its value (a tuple or a
/// scalar literal).
fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}':"))
        .or_else(|| header.find(&format!("\"{key}\":")))?;
    let rest = header.get(at + key.len() + 3..)?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
}

/// Parses a `.npy` file's `bytes`; `path` (and `member`, inside an `.npz`) and `name`
/// label errors.
pub fn decode(bytes: &[u8], path: &Path, member: Option<&str>, name: &str) -> Result<Tensor> {
    let bad = |offset: usize, what: String| Error::corrupt(path, member, offset as u64, what);
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad(0, "not a .npy file (bad magic)".into()));
    }
    let (len, start) = match bytes[6] {
        1 => (
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            10usize,
        ),
        2 | 3 if bytes.len() >= 12 => {
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (usize::try_from(n).unwrap_or(usize::MAX), 12)
        }
        v => return Err(bad(6, format!("unsupported .npy version {v}"))),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            bad(
                8,
                format!(
                    "header of {len} bytes runs past the end ({} bytes)",
                    bytes.len()
                ),
            )
        })?;
    let header = std::str::from_utf8(&bytes[start..end])
        .map_err(|_| bad(start, "the header is not text".into()))?;
    let descr = field(header, "descr")
        .ok_or_else(|| bad(start, format!("header has no 'descr': {header:?}")))?
        .trim_matches(['\'', '"']);
    let dtype = dtype_of(descr).ok_or_else(|| Error::ForeignDType {
        path: path.to_path_buf(),
        name: name.to_string(),
        found: format!("numpy '{descr}'"),
    })?;
    let dims = field(header, "shape")
        .and_then(|s| s.strip_prefix('(')?.strip_suffix(')'))
        .ok_or_else(|| bad(start, format!("header has no 'shape' tuple: {header:?}")))?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad(start, format!("bad shape in header {header:?}")))?;
    match field(header, "fortran_order") {
        Some("False") => {}
        // Fortran and C order agree when at most one dimension exceeds 1.
        Some("True") if dims.iter().filter(|&&d| d > 1).count() <= 1 => {}
        Some("True") => return Err(bad(start, "Fortran-order arrays are not supported".into())),
        _ => {
            return Err(bad(
                start,
                format!("header has no 'fortran_order': {header:?}"),
            ))
        }
    }
    let data = &bytes[end..];
    let want = raw::byte_len(dtype, &dims)
        .ok_or_else(|| bad(start, format!("shape {dims:?} is too large")))?;
    if data.len() != want {
        return Err(bad(
            end,
            format!(
                "shape {dims:?} of {} needs {want} bytes of values, the file has {}",
                dtype.numpy_name(),
                data.len()
            ),
        ));
    }
    raw::from_le_bytes(dtype, dims, data)
        .ok_or_else(|| bad(start, "string dtype".into()))?
        .map_err(|source| Error::Tensor {
            path: path.to_path_buf(),
            name: name.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout_and_dtypes() -> Result<(), Box<dyn std::error::Error>> {
        let p = Path::new("x.npy");
        let t = Tensor::from_vec([2usize, 3], vec![0f32; 6])?;
        let b = encode(&t, "t", p)?;
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        let len = usize::from(u16::from_le_bytes([b[8], b[9]]));
        assert_eq!((10 + len) % ALIGN, 0);
        let header = std::str::from_utf8(&b[10..10 + len])?;
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        assert_eq!(decode(&b, p, None, "t")?, t);
        for d in DType::ALL {
            match descr(d) {
                Some(s) => assert_eq!(dtype_of(s), Some(d), "{s}"),
                None => assert_eq!(d, DType::String),
            }
        }
        assert_eq!(dtype_of("=i4"), Some(DType::Int32));
        assert_eq!(dtype_of(">i1"), Some(DType::Int8));
        assert_eq!(dtype_of(">f4"), None);
        assert_eq!(dtype_of("<U5"), None);
        assert_eq!(dtype_of(""), None);
        Ok(())
    }

    #[test]
    fn refuses_strings_and_bad_files() -> Result<(), Box<dyn std::error::Error>> {
        let p = Path::new("x.npy");
        let s = Tensor::scalar(b"x".to_vec());
        assert!(matches!(encode(&s, "s", p), Err(Error::Unsupported { .. })));
        let b = encode(&Tensor::from_vec([2usize, 2], vec![1i64, 2, 3, 4])?, "t", p)?;
        assert!(matches!(
            decode(&b[..b.len() - 1], p, None, "t"),
            Err(Error::Corrupt { .. })
        ));
        assert!(decode(b"hello", p, None, "t").is_err());
        let mut huge = b.clone();
        huge[8] = 0xff;
        huge[9] = 0xff;
        assert!(matches!(
            decode(&huge, p, None, "t"),
            Err(Error::Corrupt { .. })
        ));
        let text = |h: &str| {
            let mut v = b"\x93NUMPY\x01\x00".to_vec();
            v.extend_from_slice(&(h.len() as u16).to_le_bytes());
            v.extend_from_slice(h.as_bytes());
            v
        };
        let big =
            text("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }");
        assert!(matches!(
            decode(&big, p, None, "t"),
            Err(Error::Corrupt { .. })
        ));
        let fortran = text("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }");
        assert!(decode(&fortran, p, None, "t").is_err());
        let obj = text("{'descr': '|O', 'fortran_order': False, 'shape': (), }");
        assert!(matches!(
            decode(&obj, p, None, "t"),
            Err(Error::ForeignDType { .. })
        ));
        Ok(())
    }
}
