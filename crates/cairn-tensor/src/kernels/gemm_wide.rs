//! Dense GEMMs with few rows and a large right-hand matrix read once (a fully connected
//! layer at batch 100: `[100, 3136] · [3136, 512]` and its input gradient `dz · Wᵀ`).
//!
//! Packing `B` costs a full read and write of it, as much as the product itself when `A`
//! has only ~100 rows; and splitting rows of `C` across threads makes every thread read
//! all of `B`. Here `B` is read in place by [`gemm_strided`] and split by columns:
//!
//! - `C = A · B`: each thread computes a block of columns of `C` from its slab of `B`;
//! - `C = A · Bᵀ` (`B` stored `[n, k]`): `Cᵀ = B · Aᵀ`, each thread taking a block of rows
//!   of `B` (contiguous), with `Aᵀ` (small) materialized once; `Cᵀ` is transposed back.
//!
//! Determinism: every element of `C` is one sum over `k` in the micro-kernel's fixed
//! blocks, whatever the split; blocks are fixed by the shape (not the thread count).

use super::gemm::MatmulDims;
use super::packed::gemm_strided;
use crate::Result;
use rayon::prelude::*;

/// Columns of `C` (or rows of `Cᵀ`) per task: a multiple of 32 (and of 12).
const BLOCK: usize = 96;

/// True when `dims` is such a product: AVX-512, at most 256 rows, and `B` larger than `A`
/// by 4× at least, with 2 Mi multiply-adds or more.
pub(crate) fn applies(dims: &MatmulDims) -> bool {
    let MatmulDims { m, k, n, .. } = *dims;
    super::packed::available()
        && !dims.transpose_a
        && (16..=256).contains(&m)
        && n >= 2 * BLOCK
        && n >= 4 * m
        && m.saturating_mul(k).saturating_mul(n) >= 1 << 21
}

/// `c = a · op(b)` for [`applies`] shapes; slice lengths were checked by the caller.
pub(crate) fn gemm_wide(a: &[f32], b: &[f32], dims: MatmulDims, c: &mut [f32]) -> Result<()> {
    let MatmulDims { m, k, n, .. } = dims;
    let blocks: Vec<usize> = (0..n).step_by(BLOCK).collect();
    if dims.transpose_b {
        // Cᵀ[j, i] = Σ_p B[j, p] · Aᵀ[p, i].
        let mut at = vec![0f32; k * m];
        for (i, row) in a.chunks_exact(k).enumerate() {
            for (p, &v) in row.iter().enumerate() {
                at[p * m + i] = v;
            }
        }
        let parts = blocks
            .par_iter()
            .map(|&j0| {
                let nj = BLOCK.min(n - j0);
                let mut ct = vec![0f32; nj * m];
                gemm_strided(nj, k, m, &b[j0 * k..(j0 + nj) * k], [k, 1], &at, m, &mut ct)?;
                Ok(ct)
            })
            .collect::<Result<Vec<_>>>()?;
        for (&j0, ct) in blocks.iter().zip(&parts) {
            for (jj, row) in ct.chunks_exact(m).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    c[i * n + j0 + jj] = v;
                }
            }
        }
        return Ok(());
    }
    let parts = blocks
        .par_iter()
        .map(|&j0| {
            let nj = BLOCK.min(n - j0);
            let mut cb = vec![0f32; m * nj];
            gemm_strided(m, k, nj, a, [k, 1], &b[j0..], n, &mut cb)?;
            Ok(cb)
        })
        .collect::<Result<Vec<_>>>()?;
    for (&j0, cb) in blocks.iter().zip(&parts) {
        let nj = cb.len() / m;
        for (crow, brow) in c.chunks_exact_mut(n).zip(cb.chunks_exact(nj)) {
            crow[j0..j0 + nj].copy_from_slice(brow);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7 + seed * 13) % 23) as f32 / 11.0 - 1.0)
            .collect()
    }

    #[test]
    fn matches_naive_both_layouts() -> Result<()> {
        if !crate::kernels::packed::available() {
            return Ok(());
        }
        let (m, k, n) = (19, 150, 1000);
        let a = data(m * k, 1);
        let b = data(k * n, 2);
        for tb in [false, true] {
            let dims = MatmulDims {
                m,
                k,
                n,
                transpose_a: false,
                transpose_b: tb,
            };
            assert!(applies(&dims));
            let mut c = vec![f32::NAN; m * n];
            gemm_wide(&a, &b, dims, &mut c)?;
            for i in 0..m {
                for j in 0..n {
                    let mut s = 0f64;
                    for p in 0..k {
                        let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                        s += f64::from(a[i * k + p]) * f64::from(bv);
                    }
                    let got = f64::from(c[i * n + j]);
                    assert!(
                        (got - s).abs() <= 1e-4 * (1.0 + s.abs()),
                        "{i},{j}: {got} vs {s}"
                    );
                }
            }
        }
        Ok(())
    }
}
