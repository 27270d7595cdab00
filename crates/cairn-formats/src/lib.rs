//! Named tensors in the files other frameworks read: safetensors, numpy's `.npz` and
//! `.npy`, next to TensorFlow checkpoints, so that candle, burn or PyTorch users take
//! TensorFlow or cairn weights directly, and back.
//!
//! - [`Format`]: which format a path names (by extension; a checkpoint is a prefix);
//!   [`read()`] and [`write()`] handle any of them as a list of `(name, Tensor)`.
//! - [`safetensors`]: through the `safetensors` crate; every dtype but complex128 and
//!   strings.
//! - [`npz`] and [`npy`]: numpy's archive of `.npy` files (stored members written,
//!   stored or deflated read); every dtype but strings, bfloat16 as `<V2`.
//! - [`Error`]: one error type; hostile files (a header claiming 2^60 bytes, offsets
//!   past the end, a member lying about its size) are errors naming the file, never
//!   panics or huge allocations.
//!
//! Names, dtypes, shapes and values are kept bit for bit in every direction:
//!
//! ```
//! use cairn_formats::{read, write};
//! use cairn_tensor::Tensor;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let tensors = vec![
//!     ("global_step".to_string(), Tensor::scalar(3000i64)),
//!     ("layer1/weights".to_string(), Tensor::from_vec([2usize, 2], vec![1f32, 2., 3., 4.])?),
//! ];
//! let st = dir.path().join("model.safetensors");
//! write(&st, &tensors)?;
//! let ckpt = dir.path().join("model.ckpt");
//! write(&ckpt, &read(&st)?)?; // also writes the `checkpoint` state file
//! let npz = dir.path().join("model.npz");
//! write(&npz, &read(dir.path())?)?; // a directory: its latest checkpoint
//! assert_eq!(read(&npz)?, tensors);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod error;
mod format;
pub mod npy;
pub mod npz;
pub mod raw;
pub mod safetensors;
mod zip;

pub use error::{Error, Result};
pub(crate) use format::check_unique;
pub use format::{checkpoint_prefix, read, refresh_state, write, Format};
