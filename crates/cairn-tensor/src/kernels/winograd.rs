//! Winograd `F(2×2, 3×3)` for 3×3, stride-1, undilated `Conv2D`s with a constant filter.
//!
//! Each 2×2 block of outputs is computed from the 4×4 block of inputs around it as
//! `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` (Lavin & Gray, 2015): 16 multiplications per block and
//! channel pair instead of 36. Over channels the element-wise product becomes 16 GEMMs,
//! `M[e] = V[e] · U[e]`, where `V[e]` holds the transformed inputs `[tiles, in]` and
//! `U[e] = (G g Gᵀ)[e]` the transformed filter `[in, out]`, packed once
//! ([`WinogradFilter`]) and multiplied on the AVX-512 kernel of [`super::packed`].
//!
//! The input and output transforms are adds and subtracts vectorized over channels; the
//! bias and activation of a fused chain are applied to the finished output rows.
//!
//! Work is split by rows of 2×2 blocks (one task per block row and image); inside a task,
//! blocks are taken in fixed chunks. Each output is computed the same way whatever the
//! thread count (deterministic). F(2×2) keeps rounding close to the direct convolution
//! (its transforms only use ±1 and ½); F(4×4)'s larger constants were not needed.

use super::batchnorm::Activation;
use super::conv::ConvGeom;
use super::conv_packed::bias_act;
use super::packed::{gemm_packed, PackedB};
use crate::{Error, Result};
use rayon::prelude::*;
use transforms::{input_rows, input_transform, output_transform};

/// Elements of a transformed 4×4 tile.
const E: usize = 16;
/// Channels transformed per step (one AVX-512 vector).
const L: usize = 16;

/// A 3×3 `[3, 3, in, out]` filter transformed (`G g Gᵀ`) into 16 packed `[in, out]` matrices.
#[derive(Clone, Debug)]
pub struct WinogradFilter {
    ic: usize,
    oc: usize,
    u: Vec<PackedB>,
}

impl WinogradFilter {
    /// Transforms and packs an HWIO filter `w` of dims `[3, 3, ic, oc]`.
    #[allow(clippy::needless_range_loop)] // `s` is a column of both `g` and `t`
    pub fn new(w: &[f32], ic: usize, oc: usize) -> Result<WinogradFilter> {
        if ic.checked_mul(oc).and_then(|v| v.checked_mul(9)) != Some(w.len()) {
            return Err(Error::Invalid {
                op: "Conv2D",
                what: format!("a 3×3 filter of {} elements is not 3×3×{ic}×{oc}", w.len()),
            });
        }
        let mut u = vec![vec![0.0f32; ic * oc]; E];
        for c in 0..ic {
            for o in 0..oc {
                let g = |r: usize, s: usize| f64::from(w[((r * 3 + s) * ic + c) * oc + o]);
                // G g: 4×3, then (G g) Gᵀ: 4×4. G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
                let mut t = [[0.0f64; 3]; 4];
                for s in 0..3 {
                    let (g0, g1, g2) = (g(0, s), g(1, s), g(2, s));
                    t[0][s] = g0;
                    t[1][s] = 0.5 * (g0 + g1 + g2);
                    t[2][s] = 0.5 * (g0 - g1 + g2);
                    t[3][s] = g2;
                }
                for (i, [t0, t1, t2]) in t.into_iter().enumerate() {
                    let row = [t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2];
                    for (j, v) in row.into_iter().enumerate() {
                        u[i * 4 + j][c * oc + o] = v as f32;
                    }
                }
            }
        }
        let u = u
            .iter()
            .map(|m| PackedB::pack(m, ic, oc, false))
            .collect::<Result<Vec<_>>>()?;
        Ok(WinogradFilter { ic, oc, u })
    }
}

/// True when `g` is a 3×3, stride-1, undilated convolution this module computes.
pub fn eligible(g: &ConvGeom) -> bool {
    g.kh == 3 && g.kw == 3 && g.s == [1, 1] && g.d == [1, 1]
}

/// True when `g` is [`eligible`] and has enough 2×2 blocks per image for the transforms
/// to pay: at 8×8 outputs (16 blocks) each GEMM has too few rows to amortize streaming
/// its `U[e]`, and im2col wins (InceptionV3's 448→384 at 8×8: 1.8 vs 2.4 ms); from 12×12
/// (36 blocks) on, Winograd wins.
/// Setting the environment variable `CAIRN_NO_WINOGRAD` (non-empty, not `0`) before the
/// first convolution turns this path off (to compare, or to rule it out).
pub fn pays(g: &ConvGeom) -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let off = *OFF.get_or_init(|| {
        std::env::var_os("CAIRN_NO_WINOGRAD").is_some_and(|v| !v.is_empty() && v != "0")
    });
    !off && eligible(g) && g.oh.div_ceil(2) * g.ow.div_ceil(2) >= 32
}

/// `act(conv2d(x, w) + bias)` of checked slices: `x` `[n, ih, iw, ic]`, `o` the output.
pub(crate) fn conv2d_winograd(
    x: &[f32],
    w: &WinogradFilter,
    g: &ConvGeom,
    epilogue: Option<(&[f32], Activation)>,
    o: &mut [f32],
) -> Result<()> {
    if !eligible(g) || w.ic != g.ic || w.oc != g.oc {
        return Err(Error::Invalid {
            op: "Conv2D",
            what: format!(
                "a Winograd filter of {}→{} for a {}×{} window, strides {:?}, dilations {:?}, \
                 {}→{} channels",
                w.ic, w.oc, g.kh, g.kw, g.s, g.d, g.ic, g.oc
            ),
        });
    }
    if o.is_empty() {
        return Ok(());
    }
    let (ic, oc) = (g.ic, g.oc);
    let img_in = g.ih * g.iw * ic;
    let row2 = 2 * g.ow * oc;
    let tw = g.ow.div_ceil(2);
    // Blocks per chunk: the 16 V and M matrices of a chunk take about 96 Ki floats (L2).
    let chunk = ((96 * 1024) / (E * (ic + oc)) / 12 * 12)
        .clamp(12, 120)
        .min(tw);
    let tasks: Vec<(usize, usize, &mut [f32])> = o
        .chunks_mut(g.positions() * oc)
        .enumerate()
        .flat_map(|(b, o_img)| {
            o_img
                .chunks_mut(row2)
                .enumerate()
                .map(move |(ty, rows)| (b, ty, rows))
        })
        .collect();
    tasks.into_par_iter().try_for_each(|(b, ty, rows)| {
        let x_img = &x[b * img_in..(b + 1) * img_in];
        SCRATCH.with_borrow_mut(|(v, m)| {
            v.resize(E * chunk * ic, 0.0);
            m.resize(E * chunk * oc, 0.0);
            let zeros = vec![0.0f32; ic];
            let mut tx0 = 0;
            while tx0 < tw {
                let nt = chunk.min(tw - tx0);
                for t in 0..nt {
                    let d = input_rows(x_img, g, ty, tx0 + t, &zeros);
                    input_transform(&d, ic, &mut v[t * ic..], chunk * ic);
                }
                for e in 0..E {
                    let a = &v[e * chunk * ic..][..nt * ic];
                    let c = &mut m[e * chunk * oc..][..nt * oc];
                    gemm_packed(a, nt, &w.u[e], c)?;
                }
                for t in 0..nt {
                    output_transform(&m[t * oc..], oc, chunk * oc, g, tx0 + t, rows);
                }
                tx0 += nt;
            }
            Ok::<(), Error>(())
        })?;
        if let Some((bias, act)) = epilogue {
            bias_act(rows, bias, act);
        }
        Ok(())
    })
}

thread_local! {
    /// Each thread's transformed inputs `V` and products `M`, kept across calls.
    static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<f32>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

#[path = "winograd_transforms.rs"]
mod transforms;

#[cfg(test)]
#[path = "winograd_tests.rs"]
mod tests;
