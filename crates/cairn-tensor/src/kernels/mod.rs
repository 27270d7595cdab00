//! CPU kernels with TensorFlow semantics.
//!
//! Every kernel reads its inputs and writes a caller-provided output [`Tensor`], reusing its
//! allocation across calls ([`Tensor::reset_as`]). Results are bit-identical from run to run
//! whatever the number of threads: work is split only over independent outputs, and every
//! reduction runs in a fixed order. Rayon is used only above [`PARALLEL_THRESHOLD`]
//! elements of work, so small ops stay cheap.
//!
//! - [`matmul`] (GEMM, with a sparse fast path for mostly-zero left operands),
//! - [`binary()`]/[`unary()`] element-wise ops with numpy broadcasting ([`broadcast_shape`]),
//! - [`reduce()`], [`argmax`], [`argmin`],
//! - [`softmax`], [`sparse_softmax_cross_entropy`], [`bias_add`], [`l2_loss`],
//! - [`cast()`], [`transpose`], [`tile`], [`concat()`], [`gather`], [`add_n`],
//! - training updates ([`apply_gradient_descent`], [`apply_momentum`], [`apply_adam`]),
//! - NHWC convolution and pooling ([`conv2d`], [`depthwise_conv2d`], [`max_pool`],
//!   [`avg_pool`] and gradients), inference batch norm, [`pad()`],
//! - a counter-based [`Philox`] generator for random initializers.
//!
//! ```
//! use cairn_tensor::{kernels, Tensor};
//! # fn main() -> Result<(), cairn_tensor::Error> {
//! let x = Tensor::from_vec([2usize, 2], vec![1.0f32, 2.0, 3.0, 4.0])?;
//! let b = Tensor::from_vec([2usize], vec![10.0f32, 20.0])?;
//! let mut y = Tensor::default();
//! kernels::binary(kernels::BinaryOp::Add, &x, &b, &mut y)?;
//! assert_eq!(y.as_slice::<f32>()?, &[11.0, 22.0, 13.0, 24.0]);
//! # Ok(())
//! # }
//! ```
//!
//! [`Tensor`]: crate::Tensor
//! [`Tensor::reset_as`]: crate::Tensor::reset_as

#[macro_use]
mod util;
mod wide;
pub use wide::{gather_rows, init_pool, on_pool, spinning};
#[cfg(test)]
mod testutil;

pub mod batchnorm;
pub mod binary;
pub mod broadcast;
pub mod cast;
pub mod conv;
pub mod conv_fused;
pub mod conv_grad;
pub mod conv_packed;
mod conv_small;
mod conv_sparse;
pub mod depthwise;
pub mod gemm;
mod gemm_narrow;
mod gemm_wide;
pub mod matmul_fused;
pub mod misc;
pub mod nn;
pub mod packed;
pub mod pad;
pub mod pool;
mod pool_tiled;
pub mod random;
pub mod reduce;
pub mod resize;
pub mod small_k;
mod sparse;
mod sparse_gather;
pub mod training;
pub mod unary;
pub mod winograd;

pub use batchnorm::{batch_norm_global, fused_batch_norm_inference};
pub use binary::{binary, binary_in_place, BinaryOp};
pub use broadcast::{broadcast_gradient_args, broadcast_shape, broadcast_to};
pub use cast::cast;
pub use conv::{conv2d, ConvGeom, Padding, Window2d};
pub use conv_fused::conv2d_bias_relu;
pub use conv_grad::{conv2d_backprop_filter, conv2d_backprop_input};
pub use depthwise::depthwise_conv2d;
pub use gemm::{matmul, matmul_f32_slices, matmul_f64_slices, matmul_sgd_l2, MatmulDims};
pub use matmul_fused::matmul_bias_relu;
pub use misc::{add_n, concat, fill, gather, tile, transpose};
pub use nn::{
    bias_add, bias_add_grad, l2_loss, log_softmax, softmax, softmax_cross_entropy,
    sparse_softmax_cross_entropy,
};
pub use pad::{pad, PadMode};
pub use pool::{avg_pool, avg_pool_grad, max_pool, max_pool_grad, max_pool_relu_grad, Pool2d};
pub use random::{random_normal_f32, random_uniform_f32, truncated_normal_f32, Philox};
pub use reduce::{argmax, argmin, reduce, ReduceOp};
pub use resize::{resize_bilinear, ResizeMode};
pub use small_k::matmul_relu_grad;
pub use training::{
    apply_adam, apply_gradient_descent, apply_momentum, assign_add, assign_sub,
    fused_moving_average, fused_sgd_sum,
};
pub use unary::{relu6_grad, relu_grad, unary, UnaryOp};

/// Elements of work above which a kernel splits its output across rayon threads.
pub const PARALLEL_THRESHOLD: usize = 128 * 1024;
