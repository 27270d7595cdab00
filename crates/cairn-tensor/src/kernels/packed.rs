//! GEMM against a pre-packed right-hand matrix, with an AVX-512 micro-kernel.
//!
//! Convolutions multiply many small tiles of im2col rows by the same filter matrix. A
//! general GEMM repacks that matrix for every tile; here it is packed once ([`PackedB`]) —
//! once per call in training, once per plan for the constant filters of a frozen graph —
//! and every tile, on every thread, streams the same packed panels.
//!
//! Layout of [`PackedB`]: the `k` rows are cut into blocks of [`KC`]; inside a block of
//! `kl` rows, each panel of [`NR`] columns is stored as `kl × NR` contiguous floats (the
//! last panel zero-padded). The micro-kernel holds an `R × 32` block of `C` (`R ≤ 12`) in
//! 24 of the 32 vector registers, broadcasting one element of each `A` row per step.
//!
//! Determinism: each element of `C` is a sum over `k` in increasing order, split at fixed
//! block boundaries; nothing depends on threads. The sums are ordered differently from
//! `matrixmultiply`'s, so results differ from the dense path by rounding only.
//!
//! The AVX-512 path is taken when the CPU has `avx512f` ([`available`]); callers fall back
//! to the general GEMM otherwise.

use super::gemm::{matmul_f32_slices, MatmulDims};
use crate::{Error, Result};

/// Columns of a packed panel (two 16-float vectors).
pub const NR: usize = 32;
/// Rows of `C` held in registers by the micro-kernel.
const MR: usize = 12;
/// Rows of `A` per cache block (a multiple of [`MR`]).
const MC: usize = 144;
/// Rows of `B` per block: a `KC × NR` panel (32 KiB) stays in L1.
pub const KC: usize = 256;

/// Tests set this to run the portable paths on a CPU that has AVX-512 (both paths are
/// correct, so a test seeing either is fine).
#[cfg(test)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// True when this CPU runs the packed micro-kernel (x86-64 with AVX-512F), unless the
/// environment variable `CAIRN_NO_AVX512` is set (non-empty, not `0`) when first asked: then
/// the portable paths run everywhere (to compare them, or to rule the kernel out).
pub fn available() -> bool {
    #[cfg(test)]
    if FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let off = std::env::var_os("CAIRN_NO_AVX512").is_some_and(|v| !v.is_empty() && v != "0");
        !off && detect()
    })
}

fn detect() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A matrix `B [k, n]` packed into column panels for [`gemm_packed`].
#[derive(Clone, Debug, Default)]
pub struct PackedB {
    k: usize,
    n: usize,
    /// The row-major source, kept for the fallback path.
    source: Vec<f32>,
    data: Vec<f32>,
}

impl PackedB {
    /// Packs `b`, stored row-major `[k, n]` (or `[n, k]` when `transposed`).
    pub fn pack(b: &[f32], k: usize, n: usize, transposed: bool) -> Result<PackedB> {
        if k.checked_mul(n) != Some(b.len()) {
            return Err(Error::Invalid {
                op: "MatMul",
                what: format!("a matrix of {} elements is not {k}×{n}", b.len()),
            });
        }
        let panels = n.div_ceil(NR);
        let at = |p: usize, j: usize| {
            if transposed {
                b[j * k + p]
            } else {
                b[p * n + j]
            }
        };
        if !available() {
            let source = if transposed {
                (0..k * n).map(|i| at(i / n, i % n)).collect()
            } else {
                b.to_vec()
            };
            return Ok(PackedB {
                k,
                n,
                source,
                data: Vec::new(),
            });
        }
        let mut data = vec![0.0f32; k * panels * NR];
        let mut p0 = 0;
        while p0 < k {
            let kl = KC.min(k - p0);
            let block = &mut data[p0 * panels * NR..(p0 + kl) * panels * NR];
            for (jp, panel) in block.chunks_exact_mut(kl * NR).enumerate() {
                let j0 = jp * NR;
                let cols = NR.min(n - j0);
                for (p, row) in panel.chunks_exact_mut(NR).enumerate() {
                    for (c, v) in row[..cols].iter_mut().enumerate() {
                        *v = at(p0 + p, j0 + c);
                    }
                }
            }
            p0 += kl;
        }
        Ok(PackedB {
            k,
            n,
            source: Vec::new(),
            data,
        })
    }

    /// Rows of `B` (the contracted dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns of `B`.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// `c[m, n] = a[m, k] · B`, with `a` row-major `[m, k]` and `c` row-major `[m, n]`.
pub fn gemm_packed(a: &[f32], m: usize, b: &PackedB, c: &mut [f32]) -> Result<()> {
    let (k, n) = (b.k, b.n);
    if m.checked_mul(k) != Some(a.len()) || m.checked_mul(n) != Some(c.len()) {
        return Err(Error::Invalid {
            op: "MatMul",
            what: format!(
                "slices of {} and {} elements do not fit m={m}, k={k}, n={n}",
                a.len(),
                c.len()
            ),
        });
    }
    if c.is_empty() {
        return Ok(());
    }
    if k == 0 {
        c.fill(0.0);
        return Ok(());
    }
    if b.data.is_empty() {
        let dims = MatmulDims {
            m,
            k,
            n,
            transpose_a: false,
            transpose_b: false,
        };
        return matmul_f32_slices(a, &b.source, dims, c);
    }
    #[cfg(target_arch = "x86_64")]
    avx512::gemm(a, m, b, c);
    Ok(())
}

/// `c[m, n] = A · B` for strided operands: `A[i, p] = a[i·rsa + p·csa]` (so `Aᵀ` of a
/// row-major matrix is `rsa = 1, csa = rows`), `B` row-major with rows `ldb` apart. No
/// packing: for a `B` read once (a gradient) or narrow enough to stream from cache.
#[allow(clippy::too_many_arguments)]
pub fn gemm_strided(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    [rsa, csa]: [usize; 2],
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
) -> Result<()> {
    let bad = || Error::Invalid {
        op: "MatMul",
        what: format!(
            "slices of {}, {} and {} elements do not fit m={m}, k={k}, n={n} with strides \
             {rsa}, {csa} and {ldb}",
            a.len(),
            b.len(),
            c.len()
        ),
    };
    if m.checked_mul(n) != Some(c.len()) || ldb < n {
        return Err(bad());
    }
    if c.is_empty() {
        return Ok(());
    }
    if k == 0 {
        c.fill(0.0);
        return Ok(());
    }
    // Largest offsets read, overflow-checked.
    let a_last = (m - 1)
        .checked_mul(rsa)
        .zip((k - 1).checked_mul(csa))
        .and_then(|(x, y)| x.checked_add(y));
    let b_last = (k - 1).checked_mul(ldb).and_then(|x| x.checked_add(n - 1));
    if a_last.is_none_or(|v| v >= a.len()) || b_last.is_none_or(|v| v >= b.len()) {
        return Err(bad());
    }
    #[cfg(target_arch = "x86_64")]
    if available() {
        avx512::drive(m, k, n, a, [rsa, csa], avx512::BSrc::Strided(b, ldb), c);
        return Ok(());
    }
    strided_portable(m, k, n, a, [rsa, csa], b, ldb, c);
    Ok(())
}

/// [`gemm_strided`] on any CPU (bounds already checked): one sum at a time, `k` ascending.
#[allow(clippy::too_many_arguments)]
fn strided_portable(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    [rsa, csa]: [usize; 2],
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
) {
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f32;
            for p in 0..k {
                s += a[i * rsa + p * csa] * b[p * ldb + j];
            }
            c[i * n + j] = s;
        }
    }
}

/// The only `unsafe` of this module: AVX-512 intrinsics on bounds-checked slices.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use super::{PackedB, KC, MC, MR, NR};
    use std::arch::x86_64::*;

    /// Where the micro-kernel reads `B`.
    pub(super) enum BSrc<'a> {
        /// Packed panels (`PackedB::data`, with this many panels).
        Packed(&'a [f32], usize),
        /// Row-major, rows `ldb` apart.
        Strided(&'a [f32], usize),
    }

    /// `c = a · b`; `b.data` is packed (so the CPU has AVX-512F) and the sizes are checked.
    pub(super) fn gemm(a: &[f32], m: usize, b: &PackedB, c: &mut [f32]) {
        let (k, n) = (b.k, b.n);
        let panels = n.div_ceil(NR);
        assert!(b.data.len() == k * panels * NR);
        drive(m, k, n, a, [k, 1], BSrc::Packed(&b.data, panels), c);
    }

    /// Blocks `C = A · B` (K in blocks of KC, rows of A in blocks of MC, columns in panels
    /// of NR) and runs the micro-kernel on each `≤ MR × NR` block of `C`. The caller has
    /// checked that the CPU has AVX-512F and that every offset below is in bounds; the
    /// asserts re-check each block before the unsafe call.
    pub(super) fn drive(
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        [rsa, csa]: [usize; 2],
        b: BSrc<'_>,
        c: &mut [f32],
    ) {
        assert!(c.len() == m * n);
        let mut p0 = 0;
        while p0 < k {
            let kl = KC.min(k - p0);
            for i_block in (0..m).step_by(MC) {
                let i_end = (i_block + MC).min(m);
                for j0 in (0..n).step_by(NR) {
                    let cols = NR.min(n - j0);
                    let (bp, ldb) = match b {
                        BSrc::Packed(data, panels) => {
                            let at = p0 * panels * NR + (j0 / NR) * kl * NR;
                            assert!(at + kl * NR <= data.len());
                            (data[at..].as_ptr(), NR)
                        }
                        BSrc::Strided(data, ldb) => {
                            let at = p0 * ldb + j0;
                            assert!(at + (kl - 1) * ldb + cols <= data.len());
                            (data[at..].as_ptr(), ldb)
                        }
                    };
                    let mut i0 = i_block;
                    while i0 < i_end {
                        let rows = MR.min(i_end - i0);
                        let a_at = i0 * rsa + p0 * csa;
                        let c_at = i0 * n + j0;
                        assert!(a_at + (rows - 1) * rsa + (kl - 1) * csa < a.len());
                        assert!(c_at + (rows - 1) * n + cols <= c.len());
                        let blk = Block {
                            kl,
                            a: a[a_at..].as_ptr(),
                            rsa,
                            csa,
                            b: bp,
                            ldb,
                            c: c[c_at..].as_mut_ptr(),
                            ldc: n,
                            cols,
                            accumulate: p0 > 0,
                        };
                        // SAFETY: the callers reach `drive` only on a CPU with AVX-512F; the
                        // asserts above bound every read of `a` (`rows × kl` elements at
                        // strides `rsa`, `csa` from `a_at`), of `b` (`kl` rows of `cols`
                        // at stride `ldb`; masked loads read no further) and every write of
                        // `c` (`rows` rows of `cols` at stride `n`).
                        unsafe {
                            match rows {
                                12 => kernel::<12>(&blk),
                                11 => kernel::<11>(&blk),
                                10 => kernel::<10>(&blk),
                                9 => kernel::<9>(&blk),
                                8 => kernel::<8>(&blk),
                                7 => kernel::<7>(&blk),
                                6 => kernel::<6>(&blk),
                                5 => kernel::<5>(&blk),
                                4 => kernel::<4>(&blk),
                                3 => kernel::<3>(&blk),
                                2 => kernel::<2>(&blk),
                                _ => kernel::<1>(&blk),
                            }
                        }
                        i0 += rows;
                    }
                }
            }
            p0 += kl;
        }
    }

    /// One micro-kernel call: `C[R, cols] (+)= A[R, kl] · B[kl, cols]`.
    struct Block {
        kl: usize,
        a: *const f32,
        rsa: usize,
        csa: usize,
        b: *const f32,
        ldb: usize,
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
    }

    /// Runs one [`Block`], holding `R × 32` sums in registers.
    ///
    /// # Safety
    /// The CPU has AVX-512F; `a` is readable at `r·rsa + q·csa` for `r < R`, `q < kl`; `b`
    /// at `q·ldb + j` for `j < cols`; `c` writable at `r·ldc + j` for `j < cols ≤ NR`.
    #[target_feature(enable = "avx512f")]
    unsafe fn kernel<const R: usize>(k: &Block) {
        let m0: __mmask16 = if k.cols >= 16 {
            0xFFFF
        } else {
            (1u16 << k.cols) - 1
        };
        let m1: __mmask16 = if k.cols >= NR {
            0xFFFF
        } else if k.cols > 16 {
            (1u16 << (k.cols - 16)) - 1
        } else {
            0
        };
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        for q in 0..k.kl {
            let bq = k.b.add(q * k.ldb);
            let b0 = _mm512_maskz_loadu_ps(m0, bq);
            // With cols ≤ 16 the second half may lie past the slice: its mask is empty, so
            // nothing is read, and `wrapping_add` keeps the address computation defined.
            let b1 = _mm512_maskz_loadu_ps(m1, bq.wrapping_add(16));
            let aq = k.a.add(q * k.csa);
            for (r, row) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*aq.add(r * k.rsa));
                row[0] = _mm512_fmadd_ps(av, b0, row[0]);
                row[1] = _mm512_fmadd_ps(av, b1, row[1]);
            }
        }
        for (r, row) in acc.iter().enumerate() {
            let cr = k.c.add(r * k.ldc);
            let (mut v0, mut v1) = (row[0], row[1]);
            if k.accumulate {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr.wrapping_add(16)));
            }
            _mm512_mask_storeu_ps(cr, m0, v0);
            _mm512_mask_storeu_ps(cr.wrapping_add(16), m1, v1);
        }
    }

    const _: () = assert!(KC > 0 && MR == 12);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for p in 0..k {
                    s += f64::from(a[i * k + p]) * f64::from(b[p * n + j]);
                }
                c[i * n + j] = s as f32;
            }
        }
        c
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let h = (i as u32 ^ seed).wrapping_mul(2_654_435_761);
                (h >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn matches_naive_on_edge_shapes() -> Result<()> {
        for &(m, k, n) in &[
            (1, 1, 1),
            (13, 7, 33),
            (12, 256, 32),
            (25, 257, 70),
            (3, 600, 5),
            (40, 513, 64),
        ] {
            let a = values(m * k, 1);
            let b = values(k * n, 2);
            let want = naive(&a, &b, m, k, n);
            let packed = PackedB::pack(&b, k, n, false)?;
            let mut c = vec![f32::NAN; m * n];
            gemm_packed(&a, m, &packed, &mut c)?;
            for (x, y) in c.iter().zip(&want) {
                assert!(
                    (x - y).abs() <= 1e-5 * (k as f32).sqrt(),
                    "{m}x{k}x{n}: {x} vs {y}"
                );
            }
            // The same matrix stored transposed packs to the same panels.
            let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
            let mut c2 = vec![f32::NAN; m * n];
            gemm_packed(&a, m, &PackedB::pack(&bt, k, n, true)?, &mut c2)?;
            assert_eq!(c, c2);
        }
        Ok(())
    }

    #[test]
    fn strided_matches_naive_with_transposed_a() -> Result<()> {
        for &(m, k, n) in &[(1, 1, 1), (25, 300, 32), (13, 7, 70), (30, 600, 64)] {
            // A stored transposed ([k, m]) and B with rows padded to n + 3.
            let at = values(k * m, 3);
            let a: Vec<f32> = (0..m * k).map(|i| at[(i % k) * m + i / k]).collect();
            let b = values(k * n, 4);
            let ldb = n + 3;
            let mut bp = vec![f32::NAN; k * ldb];
            for p in 0..k {
                bp[p * ldb..p * ldb + n].copy_from_slice(&b[p * n..(p + 1) * n]);
            }
            let want = naive(&a, &b, m, k, n);
            let mut c = vec![f32::NAN; m * n];
            gemm_strided(m, k, n, &at, [1, m], &bp[..(k - 1) * ldb + n], ldb, &mut c)?;
            let mut portable = vec![f32::NAN; m * n];
            strided_portable(m, k, n, &at, [1, m], &bp, ldb, &mut portable);
            let tol = 1e-5 * (k as f32).sqrt();
            for ((x, y), z) in c.iter().zip(&want).zip(&portable) {
                assert!(
                    (x - y).abs() <= tol && (z - y).abs() <= tol,
                    "{m}x{k}x{n}: {x} {z} vs {y}"
                );
            }
        }
        let mut c = vec![0.0; 4];
        assert!(gemm_strided(2, 3, 2, &[1.0; 5], [3, 1], &[1.0; 6], 2, &mut c).is_err());
        assert!(gemm_strided(2, 3, 2, &[1.0; 6], [3, 1], &[1.0; 5], 2, &mut c).is_err());
        assert!(gemm_strided(2, 3, 2, &[1.0; 6], [usize::MAX, 1], &[1.0; 6], 2, &mut c).is_err());
        Ok(())
    }

    #[test]
    fn empty_and_mismatched_sizes() -> Result<()> {
        let p = PackedB::pack(&[], 0, 3, false)?;
        let mut c = vec![1.0; 6];
        gemm_packed(&[], 2, &p, &mut c)?;
        assert_eq!(c, vec![0.0; 6]);
        assert!(PackedB::pack(&[1.0; 5], 2, 3, false).is_err());
        let p = PackedB::pack(&[1.0; 6], 2, 3, false)?;
        assert!(gemm_packed(&[1.0; 3], 2, &p, &mut c).is_err());
        Ok(())
    }
}
