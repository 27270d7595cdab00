//! Gathering the nonzeros of a block of rows of the sparse operand, for [`super::sparse`].
//!
//! The result is a compressed-row list: for row `i` of the block, `idx[start[i]..start[i +
//! 1]]` are the positions `p` (increasing) of its nonzeros and `val[..]` their values.
//!
//! - Plain `A` (`[m, k]`): each row of the block is a stored row, scanned once.
//! - `Aᵀ` (`A` stored `[k, m]`): row `i` of the block is stored column `r0 + i`. The stored
//!   rows are scanned once (only the block's columns), their nonzeros counted per column,
//!   and then scattered into place in increasing `p` — a counting sort that touches each
//!   zero once and each nonzero twice.
//!
//! With AVX-512 the scans compare 16 floats at a time and write the nonzeros with one
//! compress-store; the portable scans write every element at a cursor that only advances
//! past nonzeros (no data-dependent branches: MNIST's zeros are unpredictable). Both give
//! the same lists.

/// The nonzeros of a block of rows; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Nonzeros {
    pub(crate) start: Vec<usize>,
    pub(crate) idx: Vec<u32>,
    pub(crate) val: Vec<f32>,
    /// The `Aᵀ` case's per-stored-row lists (block column, value) before the scatter.
    tmp_col: Vec<u32>,
    tmp_val: Vec<f32>,
    tmp_start: Vec<usize>,
}

impl Nonzeros {
    /// Fills `self` with the nonzeros `A[i, p]`, `p` in `ks`, of rows `r0..r0 + rows` of
    /// logical `A`: stored `[m, k]` when `!transposed`, else stored `[k, m]`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gather(
        &mut self,
        a: &[f32],
        m: usize,
        k: usize,
        transposed: bool,
        r0: usize,
        rows: usize,
        ks: std::ops::Range<usize>,
    ) {
        self.start.clear();
        self.start.resize(rows + 1, 0);
        if !transposed {
            // Room for every element plus a full vector of spill.
            grow(&mut self.idx, rows * ks.len() + 16);
            grow(&mut self.val, rows * ks.len() + 16);
            let mut at = 0;
            for i in 0..rows {
                let row = &a[(r0 + i) * k + ks.start..(r0 + i) * k + ks.end];
                at = compress(row, ks.start as u32, &mut self.idx, &mut self.val, at);
                self.start[i + 1] = at;
            }
            return;
        }
        // Per stored row p: the block's nonzero columns, then counted per column.
        grow(&mut self.tmp_col, ks.len() * rows + 16);
        grow(&mut self.tmp_val, ks.len() * rows + 16);
        self.tmp_start.clear();
        self.tmp_start.push(0);
        let mut at = 0;
        for p in ks.clone() {
            let part = &a[p * m + r0..p * m + r0 + rows];
            at = compress(part, 0, &mut self.tmp_col, &mut self.tmp_val, at);
            self.tmp_start.push(at);
        }
        for &c in &self.tmp_col[..at] {
            self.start[c as usize + 1] += 1;
        }
        for i in 0..rows {
            self.start[i + 1] += self.start[i];
        }
        grow(&mut self.idx, at + 1);
        grow(&mut self.val, at + 1);
        // `next[i]` is where row i's next nonzero goes; `start[0..rows]` is reused as it,
        // then restored by shifting (next[i] ends at the old start[i + 1]).
        let next = &mut self.start[..rows];
        for (q, p) in ks.enumerate() {
            let (s, e) = (self.tmp_start[q], self.tmp_start[q + 1]);
            for (&c, &v) in self.tmp_col[s..e].iter().zip(&self.tmp_val[s..e]) {
                let slot = &mut next[c as usize];
                self.idx[*slot] = p as u32;
                self.val[*slot] = v;
                *slot += 1;
            }
        }
        self.start.copy_within(0..rows, 1);
        self.start[0] = 0;
    }
}

/// Makes `v` at least `len` long (contents unspecified).
fn grow<T: Default + Clone>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

/// Appends the nonzeros of `src` (positions offset by `base`) at `at`; returns the new
/// cursor. `idx` and `val` need 16 spare slots past the largest possible cursor.
fn compress(src: &[f32], base: u32, idx: &mut [u32], val: &mut [f32], at: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    if super::packed::available() {
        return avx512::compress(src, base, idx, val, at);
    }
    portable_compress(src, base, idx, val, at)
}

fn portable_compress(
    src: &[f32],
    base: u32,
    idx: &mut [u32],
    val: &mut [f32],
    mut at: usize,
) -> usize {
    for (p, &v) in src.iter().enumerate() {
        idx[at] = base + p as u32;
        val[at] = v;
        at += usize::from(v != 0.0);
    }
    at
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use std::arch::x86_64::*;

    pub(super) fn compress(
        src: &[f32],
        base: u32,
        idx: &mut [u32],
        val: &mut [f32],
        at: usize,
    ) -> usize {
        // Every compress-store below writes at most 16 elements at the cursor, and the
        // cursor never exceeds `at + src.len()`.
        assert!(idx.len() >= at + src.len() + 16 && val.len() >= at + src.len() + 16);
        // SAFETY: AVX-512F was detected by the caller (`packed::available`), and the
        // bounds were checked just above.
        unsafe { compress_avx512(src, base, idx, val, at) }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn compress_avx512(
        src: &[f32],
        base: u32,
        idx: &mut [u32],
        val: &mut [f32],
        mut at: usize,
    ) -> usize {
        let zero = _mm512_setzero_ps();
        let iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let mut q = 0;
        while q < src.len() {
            let left = src.len() - q;
            let lanes: __mmask16 = if left >= 16 {
                0xffff
            } else {
                (1u16 << left) - 1
            };
            // SAFETY: the mask covers only elements q..q + left of `src`; the stores
            // write popcount(mask) ≤ 16 elements from `at`, within the checked bounds.
            unsafe {
                let v = _mm512_maskz_loadu_ps(lanes, src.as_ptr().add(q));
                let nz = _mm512_mask_cmp_ps_mask::<_CMP_NEQ_UQ>(lanes, v, zero);
                let pos = _mm512_add_epi32(iota, _mm512_set1_epi32((base as usize + q) as i32));
                _mm512_mask_compressstoreu_ps(val.as_mut_ptr().add(at).cast(), nz, v);
                _mm512_mask_compressstoreu_epi32(idx.as_mut_ptr().add(at).cast(), nz, pos);
                at += nz.count_ones() as usize;
            }
            q += 16;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists built element by element, the obvious way.
    fn reference(
        a: &[f32],
        m: usize,
        k: usize,
        t: bool,
        r0: usize,
        rows: usize,
        ks: std::ops::Range<usize>,
    ) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
        let (mut start, mut idx, mut val) = (vec![0], Vec::new(), Vec::new());
        for i in r0..r0 + rows {
            for p in ks.clone() {
                let v = if t { a[p * m + i] } else { a[i * k + p] };
                if v != 0.0 {
                    idx.push(p as u32);
                    val.push(v);
                }
            }
            start.push(idx.len());
        }
        (start, idx, val)
    }

    #[test]
    fn gather_matches_the_reference_on_both_layouts_and_paths() {
        let (m, k) = (37, 53);
        let a: Vec<f32> = (0..m * k)
            .map(|i| {
                if (i * 7919) % 5 < 2 {
                    (i as f32 * 0.3).sin()
                } else {
                    0.0
                }
            })
            .collect();
        for t in [false, true] {
            let (mm, kk) = if t { (k, m) } else { (m, k) };
            for (r0, rows, ks) in [
                (0, mm, 0..kk),
                (3, 17, 0..kk),
                (20, 17, 5..kk),
                (mm - 1, 1, 0..kk - 3),
                (5, 0, 0..kk),
                (2, 9, 7..7),
            ] {
                let mut nz = Nonzeros::default();
                nz.gather(&a, mm, kk, t, r0, rows, ks.clone());
                let (start, idx, val) = reference(&a, mm, kk, t, r0, rows, ks);
                assert_eq!(nz.start, start, "t={t} r0={r0}");
                let n = start[rows];
                assert_eq!(&nz.idx[..n], &idx[..], "t={t} r0={r0}");
                assert_eq!(&nz.val[..n], &val[..], "t={t} r0={r0}");
            }
        }
        // The portable and the AVX-512 scans write the same lists (odd lengths, offsets).
        for len in [0, 1, 15, 16, 17, 53] {
            let src = &a[3..3 + len];
            let (mut i1, mut v1) = (vec![0u32; len + 40], vec![0f32; len + 40]);
            let (mut i2, mut v2) = (i1.clone(), v1.clone());
            let n1 = portable_compress(src, 7, &mut i1, &mut v1, 5);
            let n2 = compress(src, 7, &mut i2, &mut v2, 5);
            assert_eq!(n1, n2);
            assert_eq!(i1[..n1], i2[..n2]);
            assert_eq!(v1[..n1], v2[..n2]);
        }
    }
}
