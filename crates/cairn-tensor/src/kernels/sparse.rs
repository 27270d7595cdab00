//! The sparse fast path of [`matmul`](super::matmul) for a mostly-zero left operand.
//!
//! - `C = A · B` (`A` stored `[m, k]`): for each row `i` of `A` and each nonzero
//!   `A[i, p]`, `C[i, :] += A[i, p] · B[p, :]`.
//! - `C = Aᵀ · B` (`A` stored `[k, m]`, e.g. the weight gradient `xᵀ · dh`): for each row
//!   `p` of the stored `A` and each nonzero `A[p, i]`, `C[i, :] += A[p, i] · B[p, :]`.
//!
//! Each row's nonzeros are gathered first (in increasing `p`); then a tile of a row of `C`
//! is held in registers while the matching tiles of the selected rows of `B` are added in.
//! The summation order of each output element is fixed (two interleaved partial sums over
//! the nonzeros in increasing `p`, then added) and does not depend on how rows of `C` are
//! split across threads or on the tile width, so results are bit-identical for any thread
//! count. Each term is added with a fused multiply-add (`f32::mul_add`, one rounding). An
//! AVX-512 or AVX2+FMA build of the same loops is chosen at run time; the portable build
//! computes the same fused operations in software, so all agree bit for bit.

use super::gemm::MatmulDims;
use super::sparse_gather::Nonzeros;
use super::wide::{chunks_for, per_thread};

/// What a tile does with its sums `s`: store them in `C`, or treat `C` as a weight matrix
/// `w` and apply the L2-regularized SGD step `w -= lr·(s + w·c)` in place — the same float
/// operations, in the same order, as `ApplyGradientDescent(w, lr, AddN(s, Mul(w, c)))`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Epilogue {
    /// `C = s`.
    Store,
    /// `w -= lr·(s + w·c)`.
    Sgd { lr: f32, c: f32 },
    /// `C += s` (the blocks after the first when [`k_blocked`]).
    Add,
}

/// Multiply-adds (nonzeros × n) above which rows of `C` are split across threads.
const PARALLEL_WORK: usize = 1 << 16;

/// `c = op(a) · b` skipping zeros of `a`; `nnz` is the number of nonzeros of `a`.
pub(crate) fn sparse_matmul(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32], nnz: usize) {
    sparse_matmul_with(a, b, dims, c, nnz, Epilogue::Store)
}

/// [`sparse_matmul`] with an [`Epilogue`] applied to each tile of sums.
///
/// Threads split the rows of `C`, chunk `t` always on pool thread `t` (see
/// [`per_thread`]): for `xᵀ·dh` these are rows of the weight, which the moving-average
/// and L2 passes split the same way, so each core keeps its half of the weight in its
/// cache. A k-blocked plain product (`x·W1`) is instead split over `k` in [`K_PARTS`]
/// parts, the same halves of `W1`'s rows, and the parts' sums are added in order.
pub(crate) fn sparse_matmul_with(
    a: &[f32],
    b: &[f32],
    dims: MatmulDims,
    c: &mut [f32],
    nnz: usize,
    epi: Epilogue,
) {
    let n = dims.n;
    let threads = rayon::current_num_threads();
    let all = 0..dims.k;
    let big = nnz.saturating_mul(n) >= PARALLEL_WORK;
    // (Whether the parts are used depends on the sizes only, not on the threads.)
    if big && matches!(epi, Epilogue::Store) && k_blocked(dims) {
        return split_k(a, b, dims, c, None);
    }
    if !big || threads < 2 || dims.m < 2 {
        block(a, b, dims, 0, all, c, epi);
        return;
    }
    let rows = dims.m.div_ceil(threads);
    let chunks = chunks_for(c, threads, rows * n);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, c) = &mut *guard;
            block(a, b, dims, *at / n, all.clone(), c, epi);
        }
    });
}

/// Parts of `k` summed separately by [`split_k`] (a constant, so that the sums do not
/// depend on the number of threads).
const K_PARTS: usize = 2;

/// Scratch for the parts after the first, reused across calls.
static PART_SUMS: std::sync::Mutex<Vec<f32>> = std::sync::Mutex::new(Vec::new());

/// `C = Σ_part A[:, part] · B[part, :]`, parts of `k` in increasing order: part `t` on
/// pool thread `t` (every part in turn on one thread), then the parts' sums added — and
/// with `bias`, each element then becomes `max(C + bias[j], 0)` in the same pass (a dense
/// layer's `Relu(AddV2(MatMul, bias))`, the same float operations).
fn split_k(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32], bias: Option<&[f32]>) {
    let MatmulDims { k, n, .. } = dims;
    let span = k.div_ceil(K_PARTS);
    let mut scratch = std::mem::take(&mut *PART_SUMS.lock().unwrap_or_else(|e| e.into_inner()));
    scratch.clear();
    scratch.resize(c.len() * (K_PARTS - 1), 0.0);
    {
        let len = c.len().max(1);
        let mut dst: Vec<std::sync::Mutex<&mut [f32]>> = vec![std::sync::Mutex::new(&mut *c)];
        dst.extend(scratch.chunks_mut(len).map(std::sync::Mutex::new));
        per_thread(|t, threads| {
            for part in (t..K_PARTS).step_by(threads.max(1)) {
                let ks = (part * span).min(k)..((part + 1) * span).min(k);
                if let Some(d) = dst.get(part) {
                    let mut guard = d.lock().unwrap_or_else(|e| e.into_inner());
                    block(a, b, dims, 0, ks, &mut guard, Epilogue::Store);
                }
            }
        });
    }
    // C += each later part, rows split as above.
    let threads = rayon::current_num_threads();
    let rows = dims.m.div_ceil(threads);
    let chunks = chunks_for(c, threads, rows * n);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, c) = &mut *guard;
            for part in scratch.chunks(dims.m * n) {
                let src = &part[*at..*at + c.len()];
                super::wide::wide(
                    #[inline(always)]
                    || add_into(c, src),
                );
            }
            if let Some(bias) = bias {
                super::wide::wide(
                    #[inline(always)]
                    || bias_relu_rows(c, bias),
                );
            }
        }
    });
    *PART_SUMS.lock().unwrap_or_else(|e| e.into_inner()) = scratch;
}

/// `c = max(c + bias[j], 0)` on each row of `bias.len()` elements (`Relu(AddV2(c, bias))`).
#[inline(always)]
pub(crate) fn bias_relu_rows(c: &mut [f32], bias: &[f32]) {
    for row in c.chunks_exact_mut(bias.len().max(1)) {
        for (c, &b) in row.iter_mut().zip(bias) {
            let v = *c + b;
            *c = if v > 0.0 { v } else { 0.0 };
        }
    }
}

/// [`sparse_matmul`] followed by `max(C + bias[j], 0)` (`bias.len()` is `n`): fused into
/// the final pass over `C` when the product is summed in parts.
pub(crate) fn sparse_matmul_bias_relu(
    a: &[f32],
    b: &[f32],
    dims: MatmulDims,
    c: &mut [f32],
    nnz: usize,
    bias: &[f32],
) -> bool {
    if nnz.saturating_mul(dims.n) >= PARALLEL_WORK && k_blocked(dims) {
        split_k(a, b, dims, c, Some(bias));
        return true;
    }
    sparse_matmul(a, b, dims, c, nnz);
    false
}

#[inline(always)]
fn add_into(c: &mut [f32], s: &[f32]) {
    for (c, &s) in c.iter_mut().zip(s) {
        *c += s;
    }
}

thread_local! {
    /// Each thread's gathered nonzeros, kept between calls (no allocation per step).
    static NONZEROS: std::cell::RefCell<Nonzeros> = std::cell::RefCell::new(Nonzeros::default());
}

/// Rows `r0..` of `C` (as many as `block` holds), summing over `p` in `ks` only: gathers
/// each row's nonzeros of logical `A` there (in increasing `p`), then runs [`block_impl`].
fn block(
    a: &[f32],
    b: &[f32],
    dims: MatmulDims,
    r0: usize,
    ks: std::ops::Range<usize>,
    block: &mut [f32],
    epi: Epilogue,
) {
    let rows = block.len() / dims.n.max(1);
    NONZEROS.with(|nz| {
        let mut nz = nz.borrow_mut();
        nz.gather(a, dims.m, dims.k, dims.transpose_a, r0, rows, ks.clone());
        simd::block(&nz, b, dims, ks, block, epi)
    })
}

/// Accumulates `C[i, tile] = Σ A[i, p] · B[p, tile]` over the gathered nonzeros `nz` of
/// the block's rows, with the tile held in registers.
#[inline(always)]
fn block_impl<const W: usize>(
    nz: &Nonzeros,
    b: &[f32],
    dims: MatmulDims,
    ks: std::ops::Range<usize>,
    block: &mut [f32],
    epi: Epilogue,
) {
    let MatmulDims { k, n, .. } = dims;
    let Nonzeros {
        start, idx, val, ..
    } = nz;
    // The last n % 8 columns of B, zero-padded to 8, so the tail is one more tile.
    let n8 = n - n % 8;
    let mut tail_b = Vec::new();
    if n8 < n {
        tail_b = vec![0f32; k * 8];
        for (dst, src) in tail_b.chunks_exact_mut(8).zip(b.chunks_exact(n)) {
            dst[..n - n8].copy_from_slice(&src[n8..]);
        }
    }
    // Column tiles outermost, so the slab of B being read stays in cache across rows;
    // tiles of W columns, then narrower ones, then the padded tail. With a long `k`, the
    // rows of B are also taken in blocks of `K_BLOCK` (see `k_blocked`), so that the slab
    // stays in L1.
    let blocks = match epi {
        Epilogue::Store if k_blocked(dims) => ks.len().div_ceil(K_BLOCK).max(1),
        _ => 1,
    };
    let rows = block.len() / n.max(1);
    // bounds[i * (blocks + 1) + b]: where row i's nonzeros of block b start.
    let mut bounds = Vec::with_capacity(rows * (blocks + 1));
    for i in 0..rows {
        let (mut q, end) = (start[i], start[i + 1]);
        for bl in 0..blocks {
            bounds.push(q);
            let limit = (ks.start + (bl + 1) * K_BLOCK) as u32;
            while q < end && idx[q] < limit {
                q += 1;
            }
        }
        bounds.push(end);
    }
    let mut t = 0;
    while t < n {
        let left = n - t;
        let w = [W, 32, 16, 8]
            .into_iter()
            .find(|&w| w <= left)
            .unwrap_or(left);
        for bl in 0..blocks {
            let epi = if blocks > 1 && bl > 0 {
                Epilogue::Add
            } else {
                epi
            };
            for (i, crow) in block.chunks_exact_mut(n).enumerate() {
                let (q0, q1) = (
                    bounds[i * (blocks + 1) + bl],
                    bounds[i * (blocks + 1) + bl + 1],
                );
                let (idx, val) = (&idx[q0..q1], &val[q0..q1]);
                let out = &mut crow[t..t + w];
                match w {
                    _ if w == W => tile::<W>(idx, val, b, n, t, out, epi),
                    32 => tile::<32>(idx, val, b, n, t, out, epi),
                    16 => tile::<16>(idx, val, b, n, t, out, epi),
                    8 => tile::<8>(idx, val, b, n, t, out, epi),
                    _ => tile::<8>(idx, val, &tail_b, 8, 0, out, epi),
                }
            }
        }
        t += w;
    }
}

/// Rows of `B` per block when [`k_blocked`]: a 64-column slab of 128 rows is 32 KiB.
const K_BLOCK: usize = 128;

/// Whether `C = A·B` sums over `k` in blocks of [`K_BLOCK`] rows of `B` (each block's sum
/// added to `C` in order): for a plain `A` whose `B` is too tall to stay in L1 (the MLP's
/// `x·W1`, `k` = 784). Measured: 32 ns per nonzero with `k` = 784 unblocked, 21 ns with
/// `k` = 128. The `Aᵀ` case reads few rows of `B` per row of `C`, and is not blocked.
pub(crate) fn k_blocked(dims: MatmulDims) -> bool {
    !dims.transpose_a && dims.k > K_BLOCK
}

/// `out[j] = Σ val[q] · B[idx[q], t + j]` for `j < out.len() ≤ W`, with `B` rows `stride`
/// apart. Terms with even and odd `q` are summed separately (each in increasing `q`) and
/// then added: two independent chains hide the add latency, and the order is fixed, the
/// same for every tile width.
#[inline(always)]
fn tile<const W: usize>(
    idx: &[u32],
    val: &[f32],
    b: &[f32],
    stride: usize,
    t: usize,
    out: &mut [f32],
    epi: Epilogue,
) {
    let mut even = [0f32; W];
    let mut odd = [0f32; W];
    let mut pi = idx.chunks_exact(2);
    let mut pv = val.chunks_exact(2);
    for (i, v) in (&mut pi).zip(&mut pv) {
        let (o0, o1) = (i[0] as usize * stride + t, i[1] as usize * stride + t);
        let (r0, r1) = (&b[o0..o0 + W], &b[o1..o1 + W]);
        for j in 0..W {
            even[j] = v[0].mul_add(r0[j], even[j]);
            odd[j] = v[1].mul_add(r1[j], odd[j]);
        }
    }
    if let (&[p], &[v]) = (pi.remainder(), pv.remainder()) {
        let o = p as usize * stride + t;
        let r = &b[o..o + W];
        for j in 0..W {
            even[j] = v.mul_add(r[j], even[j]);
        }
    }
    match epi {
        Epilogue::Store => {
            for ((o, e), d) in out.iter_mut().zip(even).zip(odd) {
                *o = e + d;
            }
        }
        Epilogue::Add => {
            for ((o, e), d) in out.iter_mut().zip(even).zip(odd) {
                *o += e + d;
            }
        }
        Epilogue::Sgd { lr, c } => {
            for ((w, e), d) in out.iter_mut().zip(even).zip(odd) {
                let g = (e + d) + *w * c;
                *w -= lr * g;
            }
        }
    }
}

/// Run-time selection of an AVX-512 or AVX2 build of [`block_impl`].
#[allow(unsafe_code)]
mod simd {
    use super::{block_impl, Epilogue, MatmulDims, Nonzeros};
    use std::ops::Range;

    pub(super) fn block(
        nz: &Nonzeros,
        b: &[f32],
        dims: MatmulDims,
        ks: Range<usize>,
        c: &mut [f32],
        epi: Epilogue,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: as below, for AVX-512F.
            unsafe { block_avx512(nz, b, dims, ks, c, epi) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: a `target_feature` function is sound to call when the CPU has the
            // features it enables; AVX2 and FMA support was detected just above.
            unsafe { block_avx2(nz, b, dims, ks, c, epi) };
            return;
        }
        block_impl::<32>(nz, b, dims, ks, c, epi)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn block_avx2(
        nz: &Nonzeros,
        b: &[f32],
        dims: MatmulDims,
        ks: Range<usize>,
        c: &mut [f32],
        epi: Epilogue,
    ) {
        block_impl::<32>(nz, b, dims, ks, c, epi)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn block_avx512(
        nz: &Nonzeros,
        b: &[f32],
        dims: MatmulDims,
        ks: Range<usize>,
        c: &mut [f32],
        epi: Epilogue,
    ) {
        block_impl::<64>(nz, b, dims, ks, c, epi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_builds_match_portable_bit_for_bit() {
        // k = 300 takes the k-blocked path for a plain A.
        for k in [33, 300] {
            simd_builds_match_portable_for(7, k, 203);
        }
    }

    fn simd_builds_match_portable_for(m: usize, k: usize, n: usize) {
        let a: Vec<f32> = (0..m * k)
            .map(|i| {
                if i % 3 == 0 {
                    (i as f32 * 0.37).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        for transpose_a in [false, true] {
            let (m, k) = if transpose_a { (k, m) } else { (m, k) };
            let b = &b[..k * n];
            let dims = MatmulDims {
                m,
                k,
                n,
                transpose_a,
                transpose_b: false,
            };
            let mut nz = Nonzeros::default();
            nz.gather(&a, m, k, transpose_a, 0, m, 0..k);
            let mut portable = vec![0f32; m * n];
            block_impl::<32>(&nz, b, dims, 0..k, &mut portable, Epilogue::Store);
            let mut wide = vec![0f32; m * n];
            block_impl::<64>(&nz, b, dims, 0..k, &mut wide, Epilogue::Store);
            let mut whole = vec![0f32; m * n];
            block(&a, b, dims, 0, 0..k, &mut whole, Epilogue::Store);
            assert_eq!(portable, whole);
            assert_eq!(portable, wide);
            // Row blocks computed separately agree with the whole.
            let mut halves = vec![0f32; m * n];
            let (top, bottom) = halves.split_at_mut((m / 2) * n);
            block(&a, b, dims, 0, 0..k, top, Epilogue::Store);
            block(&a, b, dims, m / 2, 0..k, bottom, Epilogue::Store);
            assert_eq!(portable, halves);
            // The entry point: for a k-blocked product, the parts of k added in order.
            let nnz = a.iter().filter(|&&v| v != 0.0).count();
            let mut chosen = vec![0f32; m * n];
            sparse_matmul(&a, b, dims, &mut chosen, nnz);
            if k_blocked(dims) && nnz * n >= PARALLEL_WORK {
                let span = k.div_ceil(K_PARTS);
                let mut parts = vec![0f32; m * n];
                block(&a, b, dims, 0, 0..span, &mut parts, Epilogue::Store);
                let mut rest = vec![0f32; m * n];
                block(&a, b, dims, 0, span..k, &mut rest, Epilogue::Store);
                for (p, r) in parts.iter_mut().zip(&rest) {
                    *p += r;
                }
                assert_eq!(parts, chosen);
            } else {
                assert_eq!(portable, chosen);
            }
            // And the sums are right.
            for i in 0..m {
                for j in 0..n {
                    let exact: f64 = (0..k)
                        .map(|p| {
                            let av = if transpose_a {
                                a[p * m + i]
                            } else {
                                a[i * k + p]
                            };
                            av as f64 * b[p * n + j] as f64
                        })
                        .sum();
                    for got in [portable[i * n + j], chosen[i * n + j]] {
                        let got = got as f64;
                        assert!(
                            (got - exact).abs() < 1e-4,
                            "k={k} ({i},{j}): {got} vs {exact}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() -> Result<(), rayon::ThreadPoolBuildError> {
        let (m, k, n) = (40, 300, 130);
        let a: Vec<f32> = (0..m * k)
            .map(|i| {
                if i % 4 == 1 {
                    (i as f32 * 0.7).cos()
                } else {
                    0.0
                }
            })
            .collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.23).sin()).collect();
        let nnz = a.iter().filter(|&&v| v != 0.0).count();
        for transpose_a in [false, true] {
            let (m, k) = if transpose_a { (k, m) } else { (m, k) };
            let dims = MatmulDims {
                m,
                k,
                n,
                transpose_a,
                transpose_b: false,
            };
            let run = |threads: usize| -> Result<Vec<f32>, rayon::ThreadPoolBuildError> {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()?;
                let mut c = vec![0f32; m * n];
                pool.install(|| sparse_matmul(&a, &b[..k * n], dims, &mut c, nnz));
                Ok(c)
            };
            let one = run(1)?;
            assert_eq!(one, run(2)?);
            assert_eq!(one, run(3)?);
        }
        Ok(())
    }
}
