//! `.npz` archives: a ZIP of one `.npy` file per tensor, member `NAME.npy` for tensor
//! `NAME` (slashes kept, as `np.savez(**{"layer1/weights": a})` writes them). Written
//! with stored (uncompressed) members, like `np.savez`; read stored or deflated, so
//! `np.savez_compressed` archives load too.
//!
//! Held: every dtype but strings (see [`crate::npy`] for bfloat16).

use crate::{check_unique, npy, zip, Error, Result};
use cairn_tensor::Tensor;
use std::path::Path;

/// The `.npz` bytes of `tensors`; `path` labels errors.
pub fn encode(tensors: &[(String, Tensor)], path: &Path) -> Result<Vec<u8>> {
    check_unique(tensors, path)?;
    let members = tensors
        .iter()
        .map(|(name, t)| Ok((format!("{name}.npy"), npy::encode(t, name, path)?)))
        .collect::<Result<Vec<_>>>()?;
    zip::write(path, &members)
}

/// Writes `tensors` to `path` as `.npz`.
pub fn write(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let bytes = encode(tensors, path)?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Parses `.npz` `bytes` (read from `path`) into tensors, in archive order. A member
/// named `X.npy` is tensor `X`; other members keep their names (as `np.load` does).
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<(String, Tensor)>> {
    let mut out = Vec::new();
    for m in zip::read(bytes, path)? {
        let name = m.name.strip_suffix(".npy").unwrap_or(&m.name).to_string();
        let t = npy::decode(&m.data, path, Some(&m.name), &name)?;
        out.push((name, t));
    }
    check_unique(&out, path)?;
    Ok(out)
}

/// Reads a `.npz` file.
pub fn read(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes, path)
}
