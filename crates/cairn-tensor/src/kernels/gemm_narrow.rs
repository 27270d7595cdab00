//! Dense `C = op(A) · B` with a narrow `B` (at most 16 columns: a 10-class layer), on
//! AVX-512.
//!
//! Each row of `C` fits one 16-lane vector. `B` is copied once into rows of 16 (zero
//! padded), and blocks of 8 rows of `C` are accumulated together (8 independent chains of
//! fused multiply-adds, one broadcast element of `A` each), `p` in increasing order.
//! Every element of `C` is therefore one fused sum over `k` in order, whatever the split
//! of rows across threads. The general kernels waste most of their 12×32 tile here (the
//! MLP's `h·W2` and `hᵀ·dlogits` took ~25 µs each through them).

use super::gemm::MatmulDims;
use super::wide::{chunks_for, per_thread};

/// Rows of `C` accumulated together.
const ROWS: usize = 8;

/// Multiply-adds above which rows of `C` are split across threads (the MLP's 0.5 M take
/// ~14 µs on one core, about what starting the other thread and merging caches costs).
const PARALLEL_WORK: usize = 1 << 18;

/// Whether [`narrow_matmul`] handles `dims` (and is worth it on this CPU).
pub(crate) fn suits(dims: MatmulDims) -> bool {
    cfg!(target_arch = "x86_64")
        && super::packed::available()
        && !dims.transpose_b
        && dims.n <= 16
        && dims.n >= 2
        && dims.k >= 16
}

/// `c = op(a) · b` for dims accepted by [`suits`]; slices already checked against `dims`.
pub(crate) fn narrow_matmul(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32]) {
    let MatmulDims { m, k, n, .. } = dims;
    let mut b16 = vec![0f32; k * 16];
    for (dst, src) in b16.chunks_exact_mut(16).zip(b.chunks_exact(n)) {
        dst[..n].copy_from_slice(src);
    }
    let threads = rayon::current_num_threads();
    if m.saturating_mul(k).saturating_mul(n) < PARALLEL_WORK || threads < 2 {
        rows_of(a, &b16, dims, 0, c);
        return;
    }
    let rows = m.div_ceil(threads).div_ceil(ROWS) * ROWS;
    let chunks = chunks_for(c, threads, rows * n);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, c) = &mut *guard;
            rows_of(a, &b16, dims, *at / n, c);
        }
    });
}

/// Rows `r0..` of `C` (as many as `c` holds).
fn rows_of(a: &[f32], b16: &[f32], dims: MatmulDims, r0: usize, c: &mut [f32]) {
    let MatmulDims { m, k, n, .. } = dims;
    // Element (i, p) of op(A) is a[i * rs + p * cs].
    let (rs, cs) = if dims.transpose_a { (1, m) } else { (k, 1) };
    let rows = c.len() / n;
    // Every element of A read below, and of b16.
    let last = (r0 + rows).saturating_sub(1) * rs + k.saturating_sub(1) * cs;
    if rows == 0 || k == 0 || last >= a.len() || b16.len() < k * 16 {
        return;
    }
    avx512::rows(a, rs, cs, b16, k, n, r0, c);
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use super::ROWS;
    use std::arch::x86_64::*;

    /// See [`super::rows_of`], which checked that every index below is in bounds.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn rows(
        a: &[f32],
        rs: usize,
        cs: usize,
        b16: &[f32],
        k: usize,
        n: usize,
        r0: usize,
        c: &mut [f32],
    ) {
        // SAFETY: `suits` (checked by the caller) requires AVX-512F; the bounds were
        // checked by `rows_of`.
        unsafe { rows_avx512(a, rs, cs, b16, k, n, r0, c) }
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn rows_avx512(
        a: &[f32],
        rs: usize,
        cs: usize,
        b16: &[f32],
        k: usize,
        n: usize,
        r0: usize,
        c: &mut [f32],
    ) {
        let mask: __mmask16 = ((1u32 << n) - 1) as __mmask16;
        let rows = c.len() / n;
        let (ap, bp, cp) = (a.as_ptr(), b16.as_ptr(), c.as_mut_ptr());
        let mut i = 0;
        while i < rows {
            let take = (rows - i).min(ROWS);
            // SAFETY: rows r0 + i .. r0 + i + take of op(A) and p < k are in bounds (see
            // `rows_of`), b16 holds k rows of 16, and c holds `rows` rows of n.
            unsafe {
                let mut acc = [_mm512_setzero_ps(); ROWS];
                let base = ap.add((r0 + i) * rs);
                if take == ROWS {
                    for p in 0..k {
                        let bv = _mm512_loadu_ps(bp.add(p * 16));
                        let at = base.add(p * cs);
                        for (r, acc) in acc.iter_mut().enumerate() {
                            *acc = _mm512_fmadd_ps(_mm512_set1_ps(*at.add(r * rs)), bv, *acc);
                        }
                    }
                } else {
                    for p in 0..k {
                        let bv = _mm512_loadu_ps(bp.add(p * 16));
                        let at = base.add(p * cs);
                        for (r, acc) in acc.iter_mut().enumerate().take(take) {
                            *acc = _mm512_fmadd_ps(_mm512_set1_ps(*at.add(r * rs)), bv, *acc);
                        }
                    }
                }
                for (r, acc) in acc.iter().enumerate().take(take) {
                    _mm512_mask_storeu_ps(cp.add((i + r) * n), mask, *acc);
                }
            }
            i += take;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_products_match_a_naive_sum_for_any_thread_count(
    ) -> Result<(), rayon::ThreadPoolBuildError> {
        let (m0, k0, n) = (1301, 83, 10);
        let a: Vec<f32> = (0..m0 * k0).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k0 * n).map(|i| (i as f32 * 0.11).cos()).collect();
        for transpose_a in [false, true] {
            let (m, k) = (m0, k0);
            let dims = MatmulDims {
                m,
                k,
                n,
                transpose_a,
                transpose_b: false,
            };
            if !suits(dims) {
                return Ok(()); // no AVX-512 here: the general kernels run instead
            }
            let at = |i: usize, p: usize| {
                if transpose_a {
                    a[p * m + i]
                } else {
                    a[i * k + p]
                }
            };
            let run = |threads: usize| -> Result<Vec<f32>, rayon::ThreadPoolBuildError> {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()?;
                let mut c = vec![0f32; m * n];
                pool.install(|| narrow_matmul(&a, &b, dims, &mut c));
                Ok(c)
            };
            let one = run(1)?;
            assert_eq!(one, run(2)?);
            assert_eq!(one, run(3)?);
            for i in 0..m {
                for j in 0..n {
                    let exact: f64 = (0..k).map(|p| at(i, p) as f64 * b[p * n + j] as f64).sum();
                    let got = one[i * n + j] as f64;
                    assert!((got - exact).abs() < 1e-4, "({i},{j}) {got} vs {exact}");
                }
            }
        }
        Ok(())
    }
}
