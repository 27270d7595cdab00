//! The max-pool gradient when 2×2 windows at stride 2 tile the input exactly (LeNet's
//! pools): every input element lies in one window, so each is written once, with no
//! zero-fill pass and no scatter, 16 channels at a time. Bit-identical to the general path
//! of `pool.rs`, which handles every other geometry.

use super::conv::ConvGeom;

/// True for 2×2 windows at stride 2 that tile the input exactly (no padding), with
/// channels a multiple of [`LANES`]: the case of [`tiled_2x2`].
pub(super) fn tiles_exactly(g: &ConvGeom) -> bool {
    [g.kh, g.kw] == [2, 2]
        && g.s == [2, 2]
        && g.pad == [0, 0]
        && g.ih == 2 * g.oh
        && g.iw == 2 * g.ow
        && g.ic.is_multiple_of(LANES)
}

/// Channels per vector step of [`tiled_2x2`].
const LANES: usize = 16;

/// The max-pool gradient of one image for [`tiles_exactly`] windows: each window's first
/// maximum (per channel, in scan order) gets `0 + dy` (so `-0.0` becomes `0.0`, as the
/// general path's `+=` into zeros does), the other cells 0; with `relu_mask`, 0 also
/// where the input is not positive. Every element of `dx` is written once.
pub(super) fn tiled_grad(g: &ConvGeom, x: &[f32], d: &[f32], relu_mask: bool, dx: &mut [f32]) {
    let (c, row) = (g.ic, g.iw * g.ic);
    for ((xr, dxr), dr) in x
        .chunks_exact(2 * row)
        .zip(dx.chunks_exact_mut(2 * row))
        .zip(d.chunks_exact(g.ow * c))
    {
        let (x0, x1) = xr.split_at(row);
        let (dx0, dx1) = dxr.split_at_mut(row);
        simd::tiled_2x2(x0, x1, dr, dx0, dx1, c, relu_mask);
    }
}

/// One output row of [`tiled_grad`]: input rows `x0`, `x1`, their gradients `dx0`, `dx1`.
#[inline(always)]
fn tiled_2x2(
    x0: &[f32],
    x1: &[f32],
    d: &[f32],
    dx0: &mut [f32],
    dx1: &mut [f32],
    c: usize,
    relu: bool,
) {
    let lanes = |s: &[f32], at: usize| -> [f32; LANES] {
        let mut v = [0f32; LANES];
        v.copy_from_slice(&s[at..at + LANES]);
        v
    };
    for (ox, gs) in d.chunks_exact(c).enumerate() {
        let a = 2 * ox * c;
        for c0 in (0..c).step_by(LANES) {
            let v = [
                lanes(x0, a + c0),
                lanes(x0, a + c + c0),
                lanes(x1, a + c0),
                lanes(x1, a + c + c0),
            ];
            let gv = lanes(gs, c0);
            let mut o = [[0f32; LANES]; 4];
            for j in 0..LANES {
                // The first maximum in scan order: only a strictly larger value wins.
                let mut m = v[0][j];
                let mut i = 0u32;
                for (q, vq) in v.iter().enumerate().skip(1) {
                    let take = vq[j] > m;
                    m = if take { vq[j] } else { m };
                    i = if take { q as u32 } else { i };
                }
                for (q, oq) in o.iter_mut().enumerate() {
                    let keep = i == q as u32 && (!relu || v[q][j] > 0.0);
                    oq[j] = if keep { 0.0 + gv[j] } else { 0.0 };
                }
            }
            dx0[a + c0..a + c0 + LANES].copy_from_slice(&o[0]);
            dx0[a + c + c0..a + c + c0 + LANES].copy_from_slice(&o[1]);
            dx1[a + c0..a + c0 + LANES].copy_from_slice(&o[2]);
            dx1[a + c + c0..a + c + c0 + LANES].copy_from_slice(&o[3]);
        }
    }
}

/// Run-time selection of an AVX-512 build of [`tiled_2x2`] (the same selections).
#[allow(unsafe_code)]
mod simd {
    pub(super) fn tiled_2x2(
        x0: &[f32],
        x1: &[f32],
        d: &[f32],
        dx0: &mut [f32],
        dx1: &mut [f32],
        c: usize,
        relu: bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::kernels::packed::available() {
            // SAFETY: a `target_feature` function is sound to call when the CPU has the
            // features it enables; `available` checked AVX-512F.
            unsafe { avx512(x0, x1, d, dx0, dx1, c, relu) };
            return;
        }
        super::tiled_2x2(x0, x1, d, dx0, dx1, c, relu)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn avx512(
        x0: &[f32],
        x1: &[f32],
        d: &[f32],
        dx0: &mut [f32],
        dx1: &mut [f32],
        c: usize,
        relu: bool,
    ) {
        super::tiled_2x2(x0, x1, d, dx0, dx1, c, relu)
    }
}
