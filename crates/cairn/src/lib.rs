//! **cairn**: TensorFlow's classic "MNIST + model persistence" workflow in Rust, without
//! Python or libtensorflow, compatible with TensorFlow's files.
//!
//! This crate re-exports the focused crates and adds ready-made models:
//! - [`tensor`] (`cairn-tensor`): dtypes, tensors, CPU kernels;
//! - [`graph`] (`cairn-graph`): the graph IR, op registry and `Session`;
//! - [`autodiff`] (`cairn-autodiff`): gradients as graph nodes;
//! - [`optim`] (`cairn-optim`): SGD, momentum, Adam, decay, L2, moving averages;
//! - [`mnist`] (`cairn-mnist`): IDX files, the 55k/5k/10k split, resumable batches;
//! - [`summary`] (`cairn-summary`): TensorBoard event files (TFRecords of `Event`s);
//! - [`retrain`] (`cairn-retrain`): transfer learning on a frozen image model, as `retrain.py`;
//! - [`models`]: softmax regression and the classic 784-500-10 MLP;
//! - [`Trainer`]: the training loop.
//!
//! ```no_run
//! use cairn::{models::ModelKind, Split, TrainOptions, Trainer};
//! # fn main() -> Result<(), cairn::Error> {
//! let data = cairn::mnist::load("fixtures/mnist".as_ref())?;
//! let mut t = Trainer::new(data, &TrainOptions::defaults(ModelKind::Mlp))?;
//! for _ in 0..1000 {
//!     t.step()?;
//! }
//! println!("test accuracy {:.4}", t.evaluate(Split::Test, true)?);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod checkpointing;
mod error;
pub mod models;
mod train;

pub use cairn_autodiff as autodiff;
pub use cairn_checkpoint as checkpoint;
pub use cairn_graph as graph;
pub use cairn_mnist as mnist;
pub use cairn_optim as optim;
pub use cairn_retrain as retrain;
pub use cairn_summary as summary;
pub use cairn_tensor as tensor;
pub use checkpointing::{Restored, StepSource, BATCH_STATE_TENSOR};
pub use error::Error;
pub use train::{Split, TrainOptions, Trainer};
