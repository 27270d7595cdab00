//! cairn's graph IR and executor.
//!
//! - [`Graph`]: an arena of [`Node`]s carrying TensorFlow op names and attributes, joined
//!   by [`Output`] edges, with name scopes, control dependencies and collections.
//! - [`registry`]: one [`registry::OpDef`] per TensorFlow op type (output types, kernel),
//!   resolved once when a plan is built; an unknown op is an error naming node and op.
//! - [`Session`]: `run(feeds, fetches, targets)` executes only what is needed, with a
//!   plan cached per signature whose buffers are reused; variables live in a
//!   [`VariableStore`].
//! - [`build`]: helpers that create common ops with TensorFlow's attributes.
//!
//! ```
//! use cairn_graph::{Graph, Session};
//! use cairn_tensor::Tensor;
//! # fn main() -> Result<(), cairn_graph::Error> {
//! let mut g = Graph::new();
//! let a = g.constant("a", Tensor::scalar(2.0f32))?;
//! let b = g.placeholder("b", cairn_tensor::DType::Float32, cairn_graph::PartialShape::unknown())?;
//! g.binary("AddV2", "add", a, b)?;
//! let mut s = Session::new(g);
//! let out = s.run(&[("b", &Tensor::scalar(1.0f32))], &["add:0"], &[])?;
//! assert_eq!(out[0].scalar_value::<f32>()?, 3.0);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod attr;
pub mod build;
mod const_fold;
mod error;
#[cfg(test)]
mod fold_tests;
mod forwarding;
mod fusion;
mod fusion_conv;
mod fusion_conv_steps;
mod fusion_dense;
mod fusion_train;
mod graph;
pub mod graphdef;
mod ops;
pub mod registry;
mod session;
mod variables;

pub use attr::{AttrValue, PartialShape};
pub use error::{Error, Result};
pub use graph::{Graph, Node, NodeBuilder, NodeId, Output, PRODUCER};
pub use session::Session;
pub use variables::VariableStore;
