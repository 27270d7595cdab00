//! safetensors files (through the `safetensors` crate): an 8-byte little-endian header
//! length, a JSON header mapping each name to `dtype`, `shape` and `data_offsets`, then
//! the values, little-endian, C order.
//!
//! Held: bool, (u)int8..64, float16, bfloat16, float32, float64, complex64. Not held:
//! complex128 and strings ([`Error::Unsupported`] naming the tensor). A file's float8 /
//! float4 / float6 tensors have no cairn dtype ([`Error::ForeignDType`]).

use crate::{check_unique, raw, Error, Result};
use cairn_tensor::{DType, Tensor};
use safetensors::tensor::{Dtype, SafeTensors, View};
use std::borrow::Cow;
use std::path::Path;

/// The safetensors dtype of `d`, `None` if the format has none.
pub fn to_safetensors(d: DType) -> Option<Dtype> {
    Some(match d {
        DType::Bool => Dtype::BOOL,
        DType::UInt8 => Dtype::U8,
        DType::Int8 => Dtype::I8,
        DType::Int16 => Dtype::I16,
        DType::UInt16 => Dtype::U16,
        DType::Float16 => Dtype::F16,
        DType::BFloat16 => Dtype::BF16,
        DType::Int32 => Dtype::I32,
        DType::UInt32 => Dtype::U32,
        DType::Float32 => Dtype::F32,
        DType::Complex64 => Dtype::C64,
        DType::Float64 => Dtype::F64,
        DType::Int64 => Dtype::I64,
        DType::UInt64 => Dtype::U64,
        DType::Complex128 | DType::String => return None,
    })
}

/// The cairn dtype of a safetensors dtype, `None` for the float8/6/4 kinds.
pub fn from_safetensors(d: Dtype) -> Option<DType> {
    DType::ALL
        .into_iter()
        .find(|&c| to_safetensors(c) == Some(d))
}

/// A tensor's bytes as the `safetensors` crate wants them.
struct Bytes {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Bytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Each tensor's bytes, refusing what safetensors cannot hold.
fn views<'a>(tensors: &'a [(String, Tensor)], path: &Path) -> Result<Vec<(&'a str, Bytes)>> {
    check_unique(tensors, path)?;
    tensors
        .iter()
        .map(|(name, t)| {
            let unsupported = || Error::Unsupported {
                path: path.to_path_buf(),
                name: name.clone(),
                dtype: t.dtype(),
                format: "safetensors",
            };
            let dtype = to_safetensors(t.dtype()).ok_or_else(unsupported)?;
            let data = raw::to_le_bytes(t).ok_or_else(unsupported)?;
            Ok((
                name.as_str(),
                Bytes {
                    dtype,
                    shape: t.dims().to_vec(),
                    data,
                },
            ))
        })
        .collect()
}

/// The safetensors bytes of `tensors`; `path` labels errors.
pub fn encode(tensors: &[(String, Tensor)], path: &Path) -> Result<Vec<u8>> {
    let v = views(tensors, path)?;
    safetensors::serialize(v.iter().map(|(n, b)| (*n, b)), None).map_err(|source| {
        Error::Safetensors {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes `tensors` to `path` as safetensors.
pub fn write(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let v = views(tensors, path)?;
    safetensors::serialize_to_file(v.iter().map(|(n, b)| (*n, b)), None, path).map_err(|source| {
        Error::Safetensors {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Parses safetensors `bytes` (read from `path`) into tensors, in name order.
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<(String, Tensor)>> {
    let st = SafeTensors::deserialize(bytes).map_err(|source| Error::Safetensors {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::with_capacity(st.len());
    for (name, view) in st.tensors() {
        let dtype = from_safetensors(view.dtype()).ok_or_else(|| Error::ForeignDType {
            path: path.to_path_buf(),
            name: name.clone(),
            found: format!("safetensors {:?}", view.dtype()),
        })?;
        let dims = view.shape().to_vec();
        let tensor = |source| Error::Tensor {
            path: path.to_path_buf(),
            name: name.clone(),
            source,
        };
        // The crate checked offsets against shapes; check again before converting.
        if raw::byte_len(dtype, &dims) != Some(view.data().len()) {
            return Err(Error::corrupt(
                path,
                None,
                8,
                format!(
                    "tensor {name:?}: {} bytes do not fit shape {dims:?}",
                    view.data().len()
                ),
            ));
        }
        let t = raw::from_le_bytes(dtype, dims, view.data())
            .ok_or_else(|| Error::corrupt(path, None, 8, "string dtype"))?
            .map_err(tensor)?;
        out.push((name, t));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Reads a safetensors file.
pub fn read(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes, path)
}
