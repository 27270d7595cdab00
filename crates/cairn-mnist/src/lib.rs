//! MNIST input for cairn: IDX files, TensorFlow's train/validation/test split, and
//! resumable shuffled batches. This crate knows nothing of graphs or tensors; it yields
//! plain `Vec<f32>` pixels and `Vec<u8>` labels.
//!
//! - [`IdxArray`], [`parse_idx`], [`read_idx`], [`write_idx`]: the IDX format, raw or
//!   gzip-compressed (recognised by its first bytes), validated against hostile headers.
//! - [`load`] → [`Mnist`] of three [`DataSet`]s, split exactly like TensorFlow's
//!   `input_data.read_data_sets(validation_size=5000)`.
//! - [`BatchIter`] and [`BatchState`]: deterministic per-epoch shuffling whose position is
//!   three integers, so it can be checkpointed.
//! - [`Error`]: the one error type, naming the file and what is wrong with it.
//!
//! ```
//! use std::path::Path;
//! use cairn_mnist::{parse_idx, BatchIter};
//! # fn main() -> Result<(), cairn_mnist::Error> {
//! // A 2 x 3 array of bytes: magic 00 00 08 02, dimensions 2 and 3, then six bytes.
//! let mut bytes = vec![0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3];
//! bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
//! let array = parse_idx(&bytes, Path::new("example.idx"))?;
//! assert_eq!(array.dims, [2, 3]);
//! assert_eq!(array.data[5], 6);
//!
//! // One byte too few is an error, never a panic.
//! assert!(parse_idx(&bytes[..bytes.len() - 1], Path::new("example.idx")).is_err());
//!
//! // Batches of 4 indices over 10 examples, reshuffled every epoch.
//! let mut batches = BatchIter::new(10, 4, 42)?;
//! let first = batches.next_indices().to_vec();
//! let saved = batches.state();
//! let mut resumed = BatchIter::from_state(10, 4, saved)?;
//! assert_eq!(resumed.next_indices(), batches.next_indices());
//! assert_eq!(first.len(), 4);
//! # Ok(())
//! # }
//! ```
//!
//! Loading the real data (the files may be gzip-compressed or not):
//!
//! ```
//! # fn main() -> Result<(), cairn_mnist::Error> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist");
//! let mnist = cairn_mnist::load(std::path::Path::new(dir))?;
//! assert_eq!((mnist.train.len(), mnist.validation.len(), mnist.test.len()), (55000, 5000, 10000));
//! let pixels: &[f32] = mnist.train.image(0);
//! assert_eq!(pixels.len(), mnist.train.image_size);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod batch;
mod dataset;
mod error;
mod idx;
mod idx_header;
mod idx_write;
mod load;
mod rng;

pub use batch::{BatchIter, BatchState};
pub use dataset::{one_hot, scale_pixels, DataSet, PIXEL_SCALE};
pub use error::{Error, Result};
pub use idx::{parse_idx, read_idx, IdxArray};
pub use idx_header::{GZIP_MAGIC, IDX_U8, MAX_IDX_RANK};
pub use idx_write::{encode_idx, write_idx};
pub use load::{
    load, load_with, LoadOptions, Mnist, DEFAULT_VALIDATION_SIZE, IMAGE_SIDE, NUM_CLASSES,
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};
