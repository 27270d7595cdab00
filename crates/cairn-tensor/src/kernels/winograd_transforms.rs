//! The input (`Bᵀ d B`) and output (`Aᵀ m A`) transforms of [`super`], vectorized over
//! channels, [`L`] at a time.

use super::{ConvGeom, E, L};

/// The 16 input rows (`ic` channels each) of block `(ty, tx)`, `zeros` where padded.
pub(super) fn input_rows<'a>(
    x: &'a [f32],
    g: &ConvGeom,
    ty: usize,
    tx: usize,
    zeros: &'a [f32],
) -> [&'a [f32]; E] {
    let mut d = [zeros; E];
    for (i, di) in d.chunks_exact_mut(4).enumerate() {
        let Some(iy) = (2 * ty + i).checked_sub(g.pad[0]).filter(|&y| y < g.ih) else {
            continue;
        };
        for (j, dij) in di.iter_mut().enumerate() {
            if let Some(ix) = (2 * tx + j).checked_sub(g.pad[1]).filter(|&x| x < g.iw) {
                let s = (iy * g.iw + ix) * g.ic;
                *dij = &x[s..s + g.ic];
            }
        }
    }
    d
}

/// `Bᵀ d B` of one block, channel by channel, into `dst[e·stride + c]`, with AVX-512
/// code when the CPU has it (as [`input_body`]).
pub(super) fn input_transform(d: &[&[f32]; E], ic: usize, dst: &mut [f32], stride: usize) {
    #[cfg(target_arch = "x86_64")]
    if crate::kernels::packed::available() {
        return wide::input(d, ic, dst, stride);
    }
    input_body(d, ic, dst, stride)
}

/// `Aᵀ m A` of one block, as [`output_body`], with AVX-512 code when the CPU has it.
pub(super) fn output_transform(
    m: &[f32],
    oc: usize,
    stride: usize,
    g: &ConvGeom,
    tx: usize,
    rows: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if crate::kernels::packed::available() {
        return wide::output(m, oc, stride, g, tx, rows);
    }
    output_body(m, oc, stride, g, tx, rows)
}

/// The transforms compiled for AVX-512 (the crate itself targets baseline x86-64, where
/// they would run 4 lanes at a time and copy through `memcpy`).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod wide {
    use super::{input_body, output_body, ConvGeom, E};

    /// [`input_body`] with AVX-512F enabled.
    pub(super) fn input(d: &[&[f32]; E], ic: usize, dst: &mut [f32], stride: usize) {
        #[target_feature(enable = "avx512f")]
        fn run(d: &[&[f32]; E], ic: usize, dst: &mut [f32], stride: usize) {
            input_body(d, ic, dst, stride)
        }
        // SAFETY: reached only when `packed::available()` found AVX-512F on this CPU.
        unsafe { run(d, ic, dst, stride) }
    }

    /// [`output_body`] with AVX-512F enabled.
    pub(super) fn output(
        m: &[f32],
        oc: usize,
        stride: usize,
        g: &ConvGeom,
        tx: usize,
        rows: &mut [f32],
    ) {
        #[target_feature(enable = "avx512f")]
        fn run(m: &[f32], oc: usize, stride: usize, g: &ConvGeom, tx: usize, rows: &mut [f32]) {
            output_body(m, oc, stride, g, tx, rows)
        }
        // SAFETY: reached only when `packed::available()` found AVX-512F on this CPU.
        unsafe { run(m, oc, stride, g, tx, rows) }
    }
}

/// `Bᵀ d B` of one block, channel by channel, into `dst[e·stride + c]`.
/// `Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]`.
#[inline(always)]
fn input_body(d: &[&[f32]; E], ic: usize, dst: &mut [f32], stride: usize) {
    // Whole vectors with a constant length (inlined moves), then the remainder.
    let mut c0 = 0;
    while c0 + L <= ic {
        input_lanes(d, c0, L, dst, stride);
        c0 += L;
    }
    if c0 < ic {
        input_lanes(d, c0, ic - c0, dst, stride);
    }
}

/// [`input_body`] for channels `c0..c0 + n` (`n ≤ L`).
#[inline(always)]
fn input_lanes(d: &[&[f32]; E], c0: usize, n: usize, dst: &mut [f32], stride: usize) {
    let mut v = [[0.0f32; L]; E];
    for (ve, de) in v.iter_mut().zip(d) {
        ve[..n].copy_from_slice(&de[c0..c0 + n]);
    }
    // Rows (d B), then columns (Bᵀ ·).
    for i in 0..4 {
        bt_step(&mut v, [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]);
    }
    for j in 0..4 {
        bt_step(&mut v, [j, 4 + j, 8 + j, 12 + j]);
    }
    for (e, ve) in v.iter().enumerate() {
        dst[e * stride + c0..][..n].copy_from_slice(&ve[..n]);
    }
}

/// One 4-point `Bᵀ` product over lanes, on elements `k` of `v`.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane `l` of four rows at once
fn bt_step(v: &mut [[f32; L]; E], k: [usize; 4]) {
    for l in 0..L {
        let (a, b, c, d) = (v[k[0]][l], v[k[1]][l], v[k[2]][l], v[k[3]][l]);
        v[k[0]][l] = a - c;
        v[k[1]][l] = b + c;
        v[k[2]][l] = c - b;
        v[k[3]][l] = b - d;
    }
}

/// `Aᵀ m A` of block column `tx` (`m[e·stride + o]`), written into the block row `rows`.
/// `Aᵀ = [1 1 1 0; 0 1 -1 -1]`; positions past the output are dropped.
#[inline(always)]
fn output_body(m: &[f32], oc: usize, stride: usize, g: &ConvGeom, tx: usize, rows: &mut [f32]) {
    let mut o0 = 0;
    while o0 + L <= oc {
        output_lanes(m, o0, L, stride, g, tx, rows);
        o0 += L;
    }
    if o0 < oc {
        output_lanes(m, o0, oc - o0, stride, g, tx, rows);
    }
}

/// [`output_body`] for channels `o0..o0 + n` (`n ≤ L`).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane `l` of all 16 rows at once
fn output_lanes(
    m: &[f32],
    o0: usize,
    n: usize,
    stride: usize,
    g: &ConvGeom,
    tx: usize,
    rows: &mut [f32],
) {
    let oc = g.oc;
    let nrows = rows.len() / (g.ow * oc);
    let ncols = 2.min(g.ow - 2 * tx);
    let mut v = [[0.0f32; L]; E];
    for (e, ve) in v.iter_mut().enumerate() {
        ve[..n].copy_from_slice(&m[e * stride + o0..][..n]);
    }
    let mut y = [[0.0f32; L]; 4];
    for l in 0..L {
        let s = |i: usize| {
            let (a, b, c, d) = (
                v[4 * i][l],
                v[4 * i + 1][l],
                v[4 * i + 2][l],
                v[4 * i + 3][l],
            );
            (a + b + c, b - c - d)
        };
        let (s0, s1, s2, s3) = (s(0), s(1), s(2), s(3));
        y[0][l] = s0.0 + s1.0 + s2.0;
        y[1][l] = s0.1 + s1.1 + s2.1;
        y[2][l] = s1.0 - s2.0 - s3.0;
        y[3][l] = s1.1 - s2.1 - s3.1;
    }
    for r in 0..nrows {
        for c in 0..ncols {
            let at = (r * g.ow + 2 * tx + c) * oc + o0;
            rows[at..at + n].copy_from_slice(&y[r * 2 + c][..n]);
        }
    }
}
