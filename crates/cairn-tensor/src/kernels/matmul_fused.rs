//! A dense layer's forward pass, `max(op(A)·op(B) + bias, 0)`, as one kernel.
//!
//! TensorFlow runs `MatMul`, `AddV2` (or `BiasAdd`) and `Relu` as three ops, each a pass
//! over the `[m, n]` output; here the bias and the ReLU are applied while the product's
//! rows are still in cache (inside the final pass of a product summed in parts). The
//! float operations are the same, in the same order: `relu(round(product) + bias)`.

use super::gemm::{matmul_f32_slices, MatmulDims};
use super::wide::{chunks_for, per_thread, wide};
use crate::{DType, Error, Result, Tensor};

/// Elements of `C` above which the bias-and-ReLU pass is split across threads.
const PARALLEL_ELEMENTS: usize = 1 << 14;

/// `out = max(op(a)·op(b) + bias, 0)` for float32 operands and a bias of `n` elements
/// (one per output column). Returns `Ok(false)`, leaving `out` untouched, for any other
/// dtypes or bias shape: the caller then runs the separate ops.
///
/// # Errors
/// The errors of [`matmul`](super::matmul) for mismatched operand shapes.
pub fn matmul_bias_relu(
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
    bias: &Tensor,
    out: &mut Tensor,
) -> Result<bool> {
    let Some(dims) = fused_dims(a, b, [transpose_a, transpose_b], bias, |_, _, n| {
        bias.dims() == [n]
    })?
    else {
        return Ok(false);
    };
    let (m, k, n) = (dims.m, dims.k, dims.n);
    let (av, bv, bias) = (a.as_slice::<f32>()?, b.as_slice::<f32>()?, bias.as_slice()?);
    let c = out.reset_as::<f32>(&[m, n])?;
    // The sparse path of `matmul_f32_slices`, taken under the same condition.
    if !transpose_b && n >= 64 && k > 0 && !c.is_empty() {
        let zeros = super::wide::count_zeros(av);
        if zeros * 2 > av.len() {
            let nnz = av.len() - zeros;
            if super::sparse::sparse_matmul_bias_relu(av, bv, dims, c, nnz, bias) {
                return Ok(true);
            }
            bias_relu(c, bias);
            return Ok(true);
        }
    }
    matmul_f32_slices(av, bv, dims, c)?;
    bias_relu(c, bias);
    Ok(true)
}

/// The dimensions of `op(a)·op(b)` for a fused kernel whose third operand is `third`:
/// `None` (the caller declines) unless all three are float32, `a` and `b` are matrices and
/// `accept(m, k, n)` (`k` as `b` has it); an error when the inner dimensions differ.
pub(crate) fn fused_dims(
    a: &Tensor,
    b: &Tensor,
    [transpose_a, transpose_b]: [bool; 2],
    third: &Tensor,
    accept: impl Fn(usize, usize, usize) -> bool,
) -> Result<Option<MatmulDims>> {
    let f32s = [a.dtype(), b.dtype(), third.dtype()] == [DType::Float32; 3];
    let (&[ar, ac], &[br, bc]) = (a.dims(), b.dims()) else {
        return Ok(None);
    };
    let (m, k) = if transpose_a { (ac, ar) } else { (ar, ac) };
    let (k2, n) = if transpose_b { (bc, br) } else { (br, bc) };
    if !f32s || !accept(m, k2, n) {
        return Ok(None);
    }
    if k != k2 {
        return Err(Error::Shapes {
            op: "MatMul",
            lhs: a.dims().to_vec(),
            rhs: b.dims().to_vec(),
        });
    }
    Ok(Some(MatmulDims {
        m,
        k,
        n,
        transpose_a,
        transpose_b,
    }))
}

/// `c = max(c + bias[j], 0)` row by row, rows split across the pool's threads.
fn bias_relu(c: &mut [f32], bias: &[f32]) {
    let n = bias.len();
    let threads = rayon::current_num_threads();
    if n == 0 || c.len() < PARALLEL_ELEMENTS || threads < 2 {
        wide(
            #[inline(always)]
            || super::sparse::bias_relu_rows(c, bias),
        );
        return;
    }
    let rows = (c.len() / n).div_ceil(threads);
    let chunks = chunks_for(c, threads, rows * n);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            wide(
                #[inline(always)]
                || super::sparse::bias_relu_rows(guard.1, bias),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{binary, matmul, unary, BinaryOp, UnaryOp};

    /// The separate ops: `Relu(AddV2(MatMul(a, b), bias))`.
    fn separate(a: &Tensor, b: &Tensor, ta: bool, bias: &Tensor) -> Result<Tensor> {
        let (mut p, mut s, mut r) = (Tensor::default(), Tensor::default(), Tensor::default());
        matmul(a, b, ta, false, &mut p)?;
        binary(BinaryOp::Add, &p, bias, &mut s)?;
        unary(UnaryOp::Relu, &s, &mut r)?;
        Ok(r)
    }

    /// A `[rows, cols]` matrix, `zero_every`-th elements zero (sparse when small).
    fn matrix(rows: usize, cols: usize, zero_every: usize, seed: f32) -> Result<Tensor> {
        let v = (0..rows * cols)
            .map(|i| {
                if i % zero_every.max(1) != 0 {
                    0.0
                } else {
                    ((i as f32 * 0.37 + seed).sin() * 1.3).clamp(-1.0, 1.0)
                }
            })
            .collect();
        Tensor::from_vec([rows, cols], v)
    }

    /// Sparse and dense, k-blocked (split in parts) or not, plain and transposed `A`:
    /// the fused kernel gives the separate ops' bits.
    #[test]
    fn fused_matches_the_separate_ops_bit_for_bit() -> Result<()> {
        for &(m, k, n, zero_every, ta) in &[
            (100, 784, 500, 5, false), // the MLP's first layer: sparse, summed in parts
            (37, 300, 70, 3, false),   // sparse, small
            (20, 50, 130, 1, false),   // dense
            (30, 40, 66, 4, true),     // Aᵀ
            (3, 5, 2, 1, false),       // tiny
        ] {
            let a = if ta {
                matrix(k, m, zero_every, 0.1)?
            } else {
                matrix(m, k, zero_every, 0.1)?
            };
            let b = matrix(k, n, 1, 2.0)?;
            let bias =
                Tensor::from_vec([n], (0..n).map(|j| (j as f32 * 0.71).cos() * 0.3).collect())?;
            let want = separate(&a, &b, ta, &bias)?;
            let mut got = Tensor::default();
            assert!(matmul_bias_relu(&a, &b, ta, false, &bias, &mut got)?);
            assert_eq!(got.dims(), want.dims());
            assert_eq!(
                got.as_slice::<f32>()?,
                want.as_slice::<f32>()?,
                "m={m} k={k} n={n}"
            );
            assert!(got.as_slice::<f32>()?.contains(&0.0));
            assert!(got.as_slice::<f32>()?.iter().any(|&v| v > 0.0));
        }
        Ok(())
    }

    /// Other bias shapes or dtypes are declined, not mishandled; bad shapes are errors.
    #[test]
    fn declines_what_it_does_not_fuse() -> Result<()> {
        let a = matrix(4, 3, 1, 0.0)?;
        let b = matrix(3, 5, 1, 1.0)?;
        let mut out = Tensor::default();
        let row_bias = matrix(1, 5, 1, 0.5)?;
        assert!(!matmul_bias_relu(
            &a, &b, false, false, &row_bias, &mut out
        )?);
        let f64_bias = Tensor::from_vec([5usize], vec![0.0f64; 5])?;
        assert!(!matmul_bias_relu(
            &a, &b, false, false, &f64_bias, &mut out
        )?);
        // [4, 3]·[4, 3]: inner sizes 3 and 4 differ.
        let bias = Tensor::from_vec([3usize], vec![0.0f32; 3])?;
        assert!(matmul_bias_relu(&a, &a, false, false, &bias, &mut out).is_err());
        Ok(())
    }
}
