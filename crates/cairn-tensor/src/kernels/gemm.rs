//! Matrix multiplication (`MatMul`): dense through the AVX-512 kernel of [`super::packed`]
//! where the CPU has it (else `matrixmultiply`), plus a sparse fast path for mostly-zero
//! left operands (MNIST pixels are ~80% zeros).
//!
//! Determinism: work is split across threads by blocks of output rows (or, for a single
//! row, of output columns) only; every output
//! element is computed by one thread in a fixed order, so results do not depend on the
//! thread count. The sparse path skips zero entries of `A`, so (unlike the dense path) a
//! zero times an infinity or NaN in `B` contributes nothing.

use crate::{DType, Error, Result, Tensor};
use rayon::prelude::*;

/// Shape and layout of `C[m, n] = op(A)[m, k] · op(B)[k, n]`, with row-major storage:
/// `A` is stored `[m, k]`, or `[k, m]` when `transpose_a`; `B` is stored `[k, n]`, or
/// `[n, k]` when `transpose_b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatmulDims {
    /// Rows of `C`.
    pub m: usize,
    /// The contracted dimension.
    pub k: usize,
    /// Columns of `C`.
    pub n: usize,
    /// `A` is stored transposed.
    pub transpose_a: bool,
    /// `B` is stored transposed.
    pub transpose_b: bool,
}

/// Multiply-adds above which the dense path splits rows of `C` across threads.
const DENSE_PARALLEL_WORK: usize = 1 << 21;

/// TensorFlow's `MatMul` on rank-2 f32 or f64 tensors: `out = op(a) · op(b)`.
pub fn matmul(
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
    out: &mut Tensor,
) -> Result<()> {
    let shapes_err = || Error::Shapes {
        op: "MatMul",
        lhs: a.dims().to_vec(),
        rhs: b.dims().to_vec(),
    };
    let (&[ar, ac], &[br, bc]) = (a.dims(), b.dims()) else {
        return Err(shapes_err());
    };
    let (m, k) = if transpose_a { (ac, ar) } else { (ar, ac) };
    let (k2, n) = if transpose_b { (bc, br) } else { (br, bc) };
    if k != k2 {
        return Err(shapes_err());
    }
    if a.dtype() != b.dtype() {
        return Err(Error::DType {
            expected: a.dtype(),
            got: b.dtype(),
        });
    }
    let dims = MatmulDims {
        m,
        k,
        n,
        transpose_a,
        transpose_b,
    };
    match a.dtype() {
        DType::Float32 => {
            let c = out.reset_as::<f32>(&[m, n])?;
            matmul_f32_slices(a.as_slice()?, b.as_slice()?, dims, c)
        }
        DType::Float64 => {
            let c = out.reset_as::<f64>(&[m, n])?;
            matmul_f64_slices(a.as_slice()?, b.as_slice()?, dims, c)
        }
        dtype => Err(Error::Unsupported {
            op: "MatMul",
            dtype,
        }),
    }
}

impl MatmulDims {
    /// Checks the slice lengths against the dimensions.
    fn check(&self, a: usize, b: usize, c: usize) -> Result<()> {
        let mk = self.m.checked_mul(self.k);
        let kn = self.k.checked_mul(self.n);
        let mn = self.m.checked_mul(self.n);
        if mk != Some(a) || kn != Some(b) || mn != Some(c) {
            return Err(Error::Invalid {
                op: "MatMul",
                what: format!(
                    "slices of {a}, {b} and {c} elements do not fit m={}, k={}, n={}",
                    self.m, self.k, self.n
                ),
            });
        }
        Ok(())
    }

    /// Row and column strides of logical `A` and `B`.
    fn strides(&self) -> [isize; 4] {
        let (m, k, n) = (self.m as isize, self.k as isize, self.n as isize);
        let (rsa, csa) = if self.transpose_a { (1, m) } else { (k, 1) };
        let (rsb, csb) = if self.transpose_b { (1, k) } else { (n, 1) };
        [rsa, csa, rsb, csb]
    }
}

/// `c = op(a) · op(b)` on f32 slices. Chooses the sparse path when more than half of `a`
/// is zero and `b` is not transposed, else the dense `sgemm` path.
pub fn matmul_f32_slices(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32]) -> Result<()> {
    dims.check(a.len(), b.len(), c.len())?;
    if c.is_empty() {
        return Ok(());
    }
    if dims.k == 0 {
        c.fill(0.0);
        return Ok(());
    }
    // Narrow outputs (a 10-class layer) gain nothing from skipping zeros: the sparse
    // loops' per-entry overhead exceeds a dense row of n multiply-adds.
    if !dims.transpose_b && dims.n >= 64 {
        let zeros = super::wide::count_zeros(a);
        if zeros * 2 > a.len() {
            super::sparse::sparse_matmul(a, b, dims, c, a.len() - zeros);
            return Ok(());
        }
    }
    if super::gemm_narrow::suits(dims) {
        super::gemm_narrow::narrow_matmul(a, b, dims, c);
        return Ok(());
    }
    if super::gemm_wide::applies(&dims) {
        return super::gemm_wide::gemm_wide(a, b, dims, c);
    }
    if super::packed::available() && dims.m >= 24 && dims.n >= 16 {
        return dense_avx512(a, b, dims, c);
    }
    if super::packed::available()
        && dims.m == 1
        && !dims.transpose_a
        && !dims.transpose_b
        && dims.n >= 64
        && dims.k.saturating_mul(dims.n) >= DENSE_PARALLEL_WORK / 16
    {
        return gemv_avx512(a, b, dims, c);
    }
    dense(a, b, dims, c, raw::sgemm_rows);
    Ok(())
}

/// A row vector times a matrix (batch-1 inference's last layer): `B` streamed once, its
/// columns split across threads in blocks of 32 (each element's sum is over `k` in order,
/// whatever the split).
fn gemv_avx512(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32]) -> Result<()> {
    let (k, n) = (dims.k, dims.n);
    let threads = rayon::current_num_threads().max(1);
    let cols = n.div_ceil(threads).div_ceil(32) * 32;
    c.par_chunks_mut(cols)
        .enumerate()
        .try_for_each(|(t, chunk)| {
            let j0 = t * cols;
            let nn = chunk.len();
            super::packed::gemm_strided(
                1,
                k,
                nn,
                a,
                [k, 1],
                &b[j0..(k - 1) * n + j0 + nn],
                n,
                chunk,
            )
        })
}

/// Dense f32 GEMM on the AVX-512 kernel: `B` is packed once (or, for `Aᵀ·B`, read in
/// place) and blocks of rows of `C` run in parallel. Every element of `C` is one sum over
/// `k` in fixed blocks, whatever the split: results do not depend on the thread count.
fn dense_avx512(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32]) -> Result<()> {
    use super::packed::{gemm_packed, gemm_strided, PackedB};
    let MatmulDims { m, k, n, .. } = dims;
    let work = m.saturating_mul(n).saturating_mul(k);
    let threads = if work < DENSE_PARALLEL_WORK {
        1
    } else {
        rayon::current_num_threads().max(1)
    };
    // Row blocks: a multiple of the micro-kernel's 12 rows.
    let rows = m.div_ceil(threads).div_ceil(12) * 12;
    if dims.transpose_a {
        if dims.transpose_b {
            dense(a, b, dims, c, raw::sgemm_rows);
            return Ok(());
        }
        // A is stored [k, m]: logical row i is column i, read with strides (1, m).
        return c
            .par_chunks_mut(rows * n)
            .enumerate()
            .try_for_each(|(t, block)| {
                let r0 = t * rows;
                let mm = block.len() / n;
                gemm_strided(mm, k, n, &a[r0..], [1, m], b, n, block)
            });
    }
    let packed = PackedB::pack(b, k, n, dims.transpose_b)?;
    c.par_chunks_mut(rows * n)
        .enumerate()
        .try_for_each(|(t, block)| {
            let r0 = t * rows;
            let mm = block.len() / n;
            gemm_packed(&a[r0 * k..(r0 + mm) * k], mm, &packed, block)
        })
}

/// `c = op(a) · op(b)` on f64 slices (dense `dgemm`).
pub fn matmul_f64_slices(a: &[f64], b: &[f64], dims: MatmulDims, c: &mut [f64]) -> Result<()> {
    dims.check(a.len(), b.len(), c.len())?;
    if c.is_empty() {
        return Ok(());
    }
    if dims.k == 0 {
        c.fill(0.0);
        return Ok(());
    }
    dense(a, b, dims, c, raw::dgemm_rows);
    Ok(())
}

/// A dense kernel computing a block of rows of `C` given strides `[rsa, csa, rsb, csb]`.
type RowsKernel<T> = fn(&[T], &[T], MatmulDims, [isize; 4], &mut [T]);

/// Dense GEMM, splitting blocks of rows of `c` across threads when the work is large.
fn dense<T: Send + Sync>(a: &[T], b: &[T], dims: MatmulDims, c: &mut [T], kernel: RowsKernel<T>) {
    let strides = dims.strides();
    let work = dims.m.saturating_mul(dims.n).saturating_mul(dims.k);
    let threads = rayon::current_num_threads();
    if work < DENSE_PARALLEL_WORK || threads < 2 || dims.m < 16 {
        kernel(a, b, dims, strides, c);
        return;
    }
    let rows = dims.m.div_ceil(threads);
    c.par_chunks_mut(rows * dims.n)
        .enumerate()
        .for_each(|(t, block)| {
            let r0 = t * rows;
            let sub = MatmulDims {
                m: block.len() / dims.n,
                ..dims
            };
            // Logical row r0 of A starts r0 * rsa elements in.
            kernel(&a[r0 * strides[0] as usize..], b, sub, strides, block);
        });
}

/// The only `unsafe` in this crate: calls into `matrixmultiply`'s raw-pointer API.
#[allow(unsafe_code)]
mod raw {
    use super::MatmulDims;

    /// Largest offset touched in a matrix of `rows × cols` with strides `rs`, `cs`.
    fn extent(rows: usize, cols: usize, rs: isize, cs: isize) -> usize {
        (rows - 1) * rs as usize + (cols - 1) * cs as usize
    }

    macro_rules! gemm_rows {
        ($name:ident, $t:ty, $gemm:path) => {
            /// `c[dims.m, dims.n] = A · B` where `a` starts at the block's first row.
            pub(super) fn $name(
                a: &[$t],
                b: &[$t],
                dims: MatmulDims,
                [rsa, csa, rsb, csb]: [isize; 4],
                c: &mut [$t],
            ) {
                let MatmulDims { m, k, n, .. } = dims;
                if m == 0 || n == 0 || k == 0 {
                    c.fill(0.0);
                    return;
                }
                // Bounds the raw kernel relies on; violated only by a bug in this module.
                assert!(extent(m, k, rsa, csa) < a.len());
                assert!(extent(k, n, rsb, csb) < b.len());
                assert!(m * n <= c.len());
                // SAFETY: the asserts above show every element the kernel reads of `a` and
                // `b` and writes of `c` (row stride n, column stride 1) lies inside the
                // slices; `c` is exclusively borrowed and does not alias `a` or `b`.
                unsafe {
                    $gemm(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        rsa,
                        csa,
                        b.as_ptr(),
                        rsb,
                        csb,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
        };
    }

    gemm_rows!(sgemm_rows, f32, matrixmultiply::sgemm);
    gemm_rows!(dgemm_rows, f64, matrixmultiply::dgemm);
}

#[cfg(test)]
#[path = "gemm_tests.rs"]
mod tests;

/// The L2-regularized SGD step on a weight whose gradient is a matmul:
/// `var -= lr · (op(a)·op(b) + var·c)`, TensorFlow's
/// `ApplyGradientDescent(var, lr, AddN(MatMul(a, b), Mul(var, c)))` with the same float
/// operations. On the sparse path the product is never materialized: each tile of sums
/// updates `var` while in registers. Otherwise the product goes through `scratch`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_sgd_l2(
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
    var: &mut Tensor,
    lr: &Tensor,
    c: &Tensor,
    scratch: &mut Tensor,
) -> Result<()> {
    let sparse_dims = match (a.dims(), b.dims(), a.dtype(), var.dtype()) {
        (&[ar, ac], &[br, bc], DType::Float32, DType::Float32)
            if !transpose_b && b.dtype() == DType::Float32 =>
        {
            let (m, k) = if transpose_a { (ac, ar) } else { (ar, ac) };
            (k == br && var.dims() == [m, bc] && bc >= 64 && lr.len() == 1 && c.len() == 1)
                .then_some(MatmulDims {
                    m,
                    k,
                    n: bc,
                    transpose_a,
                    transpose_b,
                })
        }
        _ => None,
    };
    if let Some(dims) = sparse_dims {
        let av = a.as_slice::<f32>()?;
        let zeros = super::wide::count_zeros(av);
        // A k-blocked product is summed in pieces, so it cannot update `var` tile by tile;
        // it takes the scratch path below (same operations as the separate ops).
        if zeros * 2 > av.len() && dims.k > 0 && !super::sparse::k_blocked(dims) {
            let epi = super::sparse::Epilogue::Sgd {
                lr: lr.as_slice::<f32>()?[0],
                c: c.as_slice::<f32>()?[0],
            };
            let w = var.as_mut_slice::<f32>()?;
            super::sparse::sparse_matmul_with(av, b.as_slice()?, dims, w, av.len() - zeros, epi);
            return Ok(());
        }
    }
    matmul(a, b, transpose_a, transpose_b, scratch)?;
    super::fused_sgd_sum(var, lr, scratch, None, Some(c))
}
