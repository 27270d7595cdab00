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
//! - [`checkpoint`] (`cairn-checkpoint`), [`freeze`] (`cairn-freeze`): TensorFlow
//!   checkpoints, the `Saver`, freezing to a `.pb`;
//! - [`formats`] (`cairn-formats`): safetensors, `.npz` and `.npy`, for `cairn convert`;
//! - [`retrain`] (`cairn-retrain`): transfer learning on a frozen image model, as `retrain.py`;
//! - [`models`]: softmax regression and the classic 784-500-10 MLP;
//! - [`Trainer`]: the training loop.
//!
//! The whole workflow in Rust: train a few steps, save a checkpoint (with its `.meta`
//! and `checkpoint` state file, as `tf.train.Saver` does), restore it into a fresh
//! trainer, freeze it with its moving averages (`convert_variables_to_constants` after
//! `variables_to_restore`), and run the frozen graph. `docs/tensorflow-users.md` maps
//! each TensorFlow call to its cairn command and Rust API.
//!
//! ```
//! use cairn::checkpoint::{latest_checkpoint, BundleReader, Saver};
//! use cairn::freeze::{freeze, FreezeOptions};
//! use cairn::graph::{graphdef, Session};
//! use cairn::tensor::Tensor;
//! use cairn::{models::ModelKind, Split, TrainOptions, Trainer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mnist = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist"));
//! let options = TrainOptions::defaults(ModelKind::Mlp);
//!
//! // Train.
//! let mut t = Trainer::new(cairn::mnist::load(mnist)?, &options)?;
//! for _ in 0..20 {
//!     t.step()?;
//! }
//!
//! // Save: DIR/model.ckpt-20.{index,data-00000-of-00001,meta} and DIR/checkpoint.
//! let dir = tempfile::tempdir()?;
//! let mut saver = Saver::new(5, None);
//! t.save(&mut saver, dir.path())?;
//!
//! // Restore into a fresh trainer, from the latest checkpoint the state file names.
//! let prefix = latest_checkpoint(dir.path())?.ok_or("no checkpoint")?;
//! let mut resumed = Trainer::new(cairn::mnist::load(mnist)?, &options)?;
//! assert_eq!(resumed.restore(&prefix)?.step, 20);
//! assert_eq!(resumed.evaluate(Split::Validation, true)?, t.evaluate(Split::Validation, true)?);
//!
//! // Freeze the moving averages into constants, keeping what the logits need.
//! let logits = resumed.model.logits.clone();
//! let options = FreezeOptions { output_nodes: vec![logits.clone()], ema: true };
//! let frozen = freeze(&resumed.model.graph, &BundleReader::open(&prefix)?, &options)?;
//! let pb = frozen.to_bytes(); // what `cairn freeze` writes to model.pb
//!
//! // Run the frozen graph on one (blank) image.
//! let mut session = Session::new(graphdef::from_graph_def_bytes(&pb)?);
//! let image = Tensor::from_vec([1usize, 784], vec![0f32; 784])?;
//! let out = session.run(&[(resumed.model.input.as_str(), &image)], &[logits.as_str()], &[])?;
//! assert_eq!(out[0].dims(), &[1, 10]);
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
pub use cairn_formats as formats;
pub use cairn_freeze as freeze;
pub use cairn_graph as graph;
pub use cairn_mnist as mnist;
pub use cairn_optim as optim;
pub use cairn_retrain as retrain;
pub use cairn_summary as summary;
pub use cairn_tensor as tensor;
pub use checkpointing::{Restored, StepSource, BATCH_STATE_TENSOR};
pub use error::Error;
pub use train::{Split, TrainOptions, Trainer};
