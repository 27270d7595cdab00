//! `op(A)·op(B)` with a small inner dimension, masked by a ReLU's output: the gradient
//! that flows back into a hidden layer through a narrow layer above it.
//!
//! The MLP's `ReluGrad(dlogits · W2ᵀ, h)` has `k` = 10: a `[100, 10]·[10, 500]` product
//! the general kernels tile poorly (a 12×32 tile for 10 multiply-adds per element), then
//! a separate pass for the mask. Here each output row is accumulated in place, `B`'s `k`
//! rows (20 KB) staying in L1, and masked while it is in cache. Each element is one
//! fused multiply-add chain over `p` in increasing order starting from zero, as in the
//! packed kernel, so the product has the same bits as [`matmul`](super::matmul)'s.

use super::wide::{chunks_for, per_thread, wide};
use crate::{Result, Tensor};

/// The largest inner dimension taken.
const MAX_K: usize = 16;

/// Multiply-adds above which rows are split across threads.
const PARALLEL_WORK: usize = 1 << 15;

/// `out = where(features > 0, op(a)·op(b), 0)` — TensorFlow's
/// `ReluGrad(MatMul(a, b), features)` — for float32 operands with an inner dimension of
/// at most 16 and `features` of the product's shape. Returns `Ok(false)`, leaving `out`
/// untouched, for anything else: the caller then runs the separate ops.
///
/// # Errors
/// Mismatched inner dimensions.
pub fn matmul_relu_grad(
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
    features: &Tensor,
    out: &mut Tensor,
) -> Result<bool> {
    let accept = |m, k, n| features.dims() == [m, n] && (1..=MAX_K).contains(&k) && n > 0;
    let Some(dims) =
        super::matmul_fused::fused_dims(a, b, [transpose_a, transpose_b], features, accept)?
    else {
        return Ok(false);
    };
    let (m, k, n) = (dims.m, dims.k, dims.n);
    let (av, bv, fv) = (
        a.as_slice::<f32>()?,
        b.as_slice::<f32>()?,
        features.as_slice()?,
    );
    // B as k rows of n.
    let bt: std::borrow::Cow<[f32]> = if transpose_b {
        let mut t = vec![0f32; k * n];
        for (j, row) in bv.chunks_exact(k).enumerate() {
            for (p, &v) in row.iter().enumerate() {
                t[p * n + j] = v;
            }
        }
        t.into()
    } else {
        bv.into()
    };
    let op = Operands {
        a: av,
        transpose_a,
        m,
        k,
        bt: &bt,
        n,
        features: fv,
    };
    let c = out.reset_as::<f32>(&[m, n])?;
    let threads = rayon::current_num_threads();
    if m.saturating_mul(n).saturating_mul(k) < PARALLEL_WORK || threads < 2 || m < 2 {
        op.run(0, c);
        return Ok(true);
    }
    let rows = m.div_ceil(threads);
    let chunks = chunks_for(c, threads, rows * n);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, c) = &mut *guard;
            op.run(*at / n, c);
        }
    });
    Ok(true)
}

/// The checked operands: `a` holds `m·k`, `bt` `k·n` and `features` `m·n` elements.
struct Operands<'a> {
    a: &'a [f32],
    transpose_a: bool,
    m: usize,
    k: usize,
    bt: &'a [f32],
    n: usize,
    features: &'a [f32],
}

/// Output columns per tile (two 16-lane vectors).
const COLS: usize = 32;

impl Operands<'_> {
    /// Rows `r0..` of the output (as many as `c` holds): on AVX-512 when available, else
    /// the portable loops (the same fused multiply-adds in the same order).
    fn run(&self, r0: usize, c: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if super::packed::available() {
            avx512::rows(self, r0, c);
            return;
        }
        wide(
            #[inline(always)]
            || self.rows(r0, c),
        );
    }

    /// Rows `r0..` of the output (as many as `c` holds), in tiles of 4 rows (then 1) by
    /// [`COLS`] columns whose sums stay in registers over `p`.
    #[inline(always)]
    fn rows(&self, r0: usize, c: &mut [f32]) {
        let n = self.n;
        let rows = c.len() / n;
        let mut i = 0;
        while i + 4 <= rows {
            self.tile::<4>(r0 + i, &mut c[i * n..(i + 4) * n]);
            i += 4;
        }
        while i < rows {
            self.tile::<1>(r0 + i, &mut c[i * n..(i + 1) * n]);
            i += 1;
        }
    }

    /// `R` full rows starting at row `i0` (`c` holds exactly them).
    #[inline(always)]
    fn tile<const R: usize>(&self, i0: usize, c: &mut [f32]) {
        let (m, k, n) = (self.m, self.k, self.n);
        let mut x = [[0f32; R]; MAX_K];
        for (p, xp) in x.iter_mut().enumerate().take(k) {
            for (r, v) in xp.iter_mut().enumerate() {
                let i = i0 + r;
                *v = if self.transpose_a {
                    self.a[p * m + i]
                } else {
                    self.a[i * k + p]
                };
            }
        }
        let mut j0 = 0;
        while j0 < n {
            let w = COLS.min(n - j0);
            let mut acc = [[0f32; COLS]; R];
            for (p, xp) in x.iter().enumerate().take(k) {
                let mut b = [0f32; COLS];
                b[..w].copy_from_slice(&self.bt[p * n + j0..p * n + j0 + w]);
                for (acc, &xv) in acc.iter_mut().zip(xp) {
                    for (a, &bv) in acc.iter_mut().zip(&b) {
                        *a = xv.mul_add(bv, *a);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                let i = i0 + r;
                let f = &self.features[i * n + j0..i * n + j0 + w];
                let out = &mut c[r * n + j0..r * n + j0 + w];
                for ((o, &a), &f) in out.iter_mut().zip(acc).zip(f) {
                    *o = if f > 0.0 { a } else { 0.0 };
                }
            }
            j0 += w;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use super::{Operands, MAX_K};
    use std::arch::x86_64::*;

    /// [`Operands::rows`] on AVX-512; only called when `packed::available()`.
    pub(super) fn rows(op: &Operands, r0: usize, c: &mut [f32]) {
        let n = op.n;
        let rows = c.len() / n;
        // Every element read below: rows r0..r0 + rows of op(A), B's k rows of n, and
        // the same rows of the features.
        let a_end = if op.transpose_a {
            (op.k - 1) * op.m + r0 + rows
        } else {
            (r0 + rows) * op.k
        };
        if rows == 0
            || op.k > MAX_K
            || a_end > op.a.len()
            || op.bt.len() < op.k * n
            || op.features.len() < (r0 + rows) * n
        {
            return;
        }
        let mut i = 0;
        while i < rows {
            let take = (rows - i).min(4);
            // SAFETY: AVX-512F is available (the caller checked `packed::available()`);
            // rows r0 + i .. + take are within the bounds checked above.
            unsafe { tile(op, r0 + i, take, &mut c[i * n..(i + take) * n]) };
            i += take;
        }
    }

    /// The low `w` bits set (`w` ≤ 16).
    fn mask(w: usize) -> __mmask16 {
        ((1u32 << w) - 1) as __mmask16
    }

    /// Rows `i0..i0 + take` (`take` ≤ 4), 32 columns at a time, sums in registers.
    #[target_feature(enable = "avx512f")]
    unsafe fn tile(op: &Operands, i0: usize, take: usize, c: &mut [f32]) {
        let (m, k, n) = (op.m, op.k, op.n);
        let mut x = [[0f32; 4]; MAX_K];
        for (p, xp) in x.iter_mut().enumerate().take(k) {
            for (r, v) in xp.iter_mut().enumerate().take(take) {
                let i = i0 + r;
                *v = if op.transpose_a {
                    op.a[p * m + i]
                } else {
                    op.a[i * k + p]
                };
            }
        }
        let zero = _mm512_setzero_ps();
        let (bt, fs, cp) = (op.bt.as_ptr(), op.features.as_ptr(), c.as_mut_ptr());
        let mut j0 = 0;
        while j0 < n {
            let w = (n - j0).min(32);
            let (m0, m1) = (mask(w.min(16)), mask(w.saturating_sub(16)));
            let mut acc = [[zero; 2]; 4];
            for (p, xp) in x.iter().enumerate().take(k) {
                // SAFETY: columns j0..j0 + w of B's row p (masked lanes are not read).
                let (b0, b1) = unsafe {
                    let bp = bt.add(p * n + j0);
                    (
                        _mm512_maskz_loadu_ps(m0, bp),
                        _mm512_maskz_loadu_ps(m1, bp.wrapping_add(16)),
                    )
                };
                for (acc, &xv) in acc.iter_mut().zip(xp) {
                    let xv = _mm512_set1_ps(xv);
                    acc[0] = _mm512_fmadd_ps(xv, b0, acc[0]);
                    acc[1] = _mm512_fmadd_ps(xv, b1, acc[1]);
                }
            }
            for (r, acc) in acc.iter().enumerate().take(take) {
                // SAFETY: row i0 + r, columns j0..j0 + w of the features and of `c`
                // (which holds rows i0.. of the output); masked lanes are not touched.
                unsafe {
                    let fp = fs.add((i0 + r) * n + j0);
                    let f0 = _mm512_maskz_loadu_ps(m0, fp);
                    let f1 = _mm512_maskz_loadu_ps(m1, fp.wrapping_add(16));
                    let k0 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(f0, zero);
                    let k1 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(f1, zero);
                    let out = cp.add(r * n + j0);
                    _mm512_mask_storeu_ps(out, m0, _mm512_maskz_mov_ps(k0, acc[0]));
                    _mm512_mask_storeu_ps(
                        out.wrapping_add(16),
                        m1,
                        _mm512_maskz_mov_ps(k1, acc[1]),
                    );
                }
            }
            j0 += w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{matmul, relu_grad};

    fn matrix(rows: usize, cols: usize, seed: f32) -> Result<Tensor> {
        let v = (0..rows * cols)
            .map(|i| (i as f32 * 0.43 + seed).sin() * 1.7)
            .collect();
        Tensor::from_vec([rows, cols], v)
    }

    /// The MLP's shape and odd ones, every transpose: the separate ops' bits.
    #[test]
    fn matches_matmul_then_relu_grad_bit_for_bit() -> Result<()> {
        for &(m, k, n) in &[
            (100, 10, 500),
            (7, 3, 17),
            (33, 16, 40),
            (1, 1, 5),
            (64, 10, 100),
        ] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = if ta {
                    matrix(k, m, 0.3)?
                } else {
                    matrix(m, k, 0.3)?
                };
                let b = if tb {
                    matrix(n, k, 1.1)?
                } else {
                    matrix(k, n, 1.1)?
                };
                let features = matrix(m, n, 2.9)?;
                let (mut p, mut want, mut got) =
                    (Tensor::default(), Tensor::default(), Tensor::default());
                matmul(&a, &b, ta, tb, &mut p)?;
                relu_grad(&p, &features, &mut want)?;
                assert!(matmul_relu_grad(&a, &b, ta, tb, &features, &mut got)?);
                assert_eq!(got.dims(), want.dims());
                assert_eq!(
                    got.as_slice::<f32>()?,
                    want.as_slice::<f32>()?,
                    "m={m} k={k} n={n} ta={ta} tb={tb}"
                );
            }
        }
        Ok(())
    }

    /// Large `k`, other dtypes or a features shape that differs are declined; mismatched
    /// inner dimensions are an error.
    #[test]
    fn declines_or_rejects() -> Result<()> {
        let mut out = Tensor::default();
        let (a, b) = (matrix(4, 20, 0.0)?, matrix(20, 6, 0.0)?);
        assert!(!matmul_relu_grad(
            &a,
            &b,
            false,
            false,
            &matrix(4, 6, 0.0)?,
            &mut out
        )?);
        let (a, b) = (matrix(4, 3, 0.0)?, matrix(3, 6, 0.0)?);
        assert!(!matmul_relu_grad(
            &a,
            &b,
            false,
            false,
            &matrix(6, 4, 0.0)?,
            &mut out
        )?);
        let f64s = Tensor::from_vec([4usize, 6], vec![1.0f64; 24])?;
        assert!(!matmul_relu_grad(&a, &b, false, false, &f64s, &mut out)?);
        let c = matrix(2, 6, 0.0)?;
        assert!(matmul_relu_grad(&a, &c, false, false, &matrix(4, 6, 0.0)?, &mut out).is_err());
        Ok(())
    }
}
