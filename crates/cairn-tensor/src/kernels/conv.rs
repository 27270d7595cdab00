//! 2-D convolution (`Conv2D`), NHWC, through im2col + GEMM.
//!
//! The geometry follows TensorFlow exactly: with `SAME` padding the output has
//! `ceil(in / stride)` positions and `pad_total = max((out-1)·stride + (k-1)·dilation + 1 - in, 0)`,
//! of which `pad_total / 2` goes before (the odd one after); `VALID` pads nothing;
//! `EXPLICIT` takes the four pads as given.
//!
//! A filter `[kh, kw, ic, oc]` is, row-major, the matrix `[kh·kw·ic, oc]`; a tile of output
//! positions gathers its input patches into rows of the same layout (im2col) and one GEMM
//! yields the tile's outputs. Tiles stay small (cache-sized) and are computed in parallel;
//! every output element is produced by one thread in a fixed order, so results do not
//! depend on the number of threads. A 1×1, stride-1 convolution skips im2col.

use super::gemm::{matmul_f32_slices, MatmulDims};
use super::packed::PackedB;
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// Padding of a sliding window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: windows lie entirely inside the input.
    Valid,
    /// TensorFlow's `SAME`: `ceil(in / stride)` outputs, padding split with the extra after.
    Same,
    /// Explicit pads `[top, bottom, left, right]`.
    Explicit([usize; 4]),
}

/// A 2-D sliding window over the H and W axes of an NHWC tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// Strides `[h, w]`.
    pub strides: [usize; 2],
    /// Dilations `[h, w]` (1 for none).
    pub dilations: [usize; 2],
    /// The padding.
    pub padding: Padding,
}

impl Window2d {
    /// A window with strides `s`, no dilation and `padding`.
    pub fn new(strides: [usize; 2], padding: Padding) -> Window2d {
        Window2d {
            strides,
            dilations: [1, 1],
            padding,
        }
    }
}

/// One axis of a window: output size and padding before, from TensorFlow's rules.
pub fn output_size(
    op: &'static str,
    input: usize,
    k: usize,
    stride: usize,
    dilation: usize,
    padding: &Padding,
    axis: usize,
) -> Result<(usize, usize)> {
    let bad = |what: String| Error::Invalid { op, what };
    if stride == 0 || dilation == 0 || k == 0 {
        return Err(bad(format!(
            "window {k}, stride {stride}, dilation {dilation} must all be positive"
        )));
    }
    let eff = (k - 1)
        .checked_mul(dilation)
        .and_then(|v| v.checked_add(1))
        .ok_or_else(|| bad(format!("window {k} with dilation {dilation} overflows")))?;
    let (before, after) = match padding {
        Padding::Valid => (0, 0),
        Padding::Explicit(p) => (p[2 * axis], p[2 * axis + 1]),
        Padding::Same => {
            let out = input.div_ceil(stride);
            let total = (out.saturating_sub(1) * stride + eff).saturating_sub(input);
            return Ok((out, total / 2));
        }
    };
    let padded = input
        .checked_add(before)
        .and_then(|v| v.checked_add(after))
        .ok_or_else(|| bad("padding overflows".into()))?;
    if padded < eff {
        return Err(bad(format!(
            "the window ({eff} with dilation) is larger than the padded input ({padded})"
        )));
    }
    Ok(((padded - eff) / stride + 1, before))
}

/// Geometry of one 2-D convolution or pooling, NHWC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    /// Batch.
    pub n: usize,
    /// Input height, width, channels.
    pub ih: usize,
    /// Input width.
    pub iw: usize,
    /// Input channels.
    pub ic: usize,
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Output channels (of a convolution; the input channels for a pool).
    pub oc: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Strides `[h, w]`.
    pub s: [usize; 2],
    /// Dilations `[h, w]`.
    pub d: [usize; 2],
    /// Pads before: `[top, left]`.
    pub pad: [usize; 2],
}

impl ConvGeom {
    /// Geometry of a window `[kh, kw]` over input `[n, h, w, c]` producing `oc` channels.
    pub fn new(
        op: &'static str,
        input: &[usize],
        kh: usize,
        kw: usize,
        oc: usize,
        win: &Window2d,
    ) -> Result<ConvGeom> {
        let &[n, ih, iw, ic] = input else {
            return Err(Error::Invalid {
                op,
                what: format!("input must be rank 4 (NHWC), got shape {input:?}"),
            });
        };
        let [sh, sw] = win.strides;
        let [dh, dw] = win.dilations;
        let (oh, pt) = output_size(op, ih, kh, sh, dh, &win.padding, 0)?;
        let (ow, pl) = output_size(op, iw, kw, sw, dw, &win.padding, 1)?;
        let g = ConvGeom {
            n,
            ih,
            iw,
            ic,
            kh,
            kw,
            oc,
            oh,
            ow,
            s: [sh, sw],
            d: [dh, dw],
            pad: [pt, pl],
        };
        // Every buffer size used later, checked once.
        let sizes = [
            [n, ih, iw, ic]
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d)),
            [n, oh, ow, oc]
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d)),
            [kh, kw, ic, oc]
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d)),
        ];
        if sizes.iter().any(Option::is_none) {
            return Err(Error::Overflow {
                shape: vec![n, oh, ow, oc],
            });
        }
        Ok(g)
    }

    /// Output positions per image.
    pub fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Length of one im2col row: `kh·kw·ic`.
    pub fn patch(&self) -> usize {
        self.kh * self.kw * self.ic
    }

    /// Output dims `[n, oh, ow, oc]`.
    pub fn out_dims(&self) -> [usize; 4] {
        [self.n, self.oh, self.ow, self.oc]
    }

    /// True for a 1×1 window, stride 1, no padding (before or after): the input is already
    /// the im2col matrix.
    pub fn is_pointwise(&self) -> bool {
        self.kh == 1
            && self.kw == 1
            && self.s == [1, 1]
            && self.pad == [0, 0]
            && self.oh == self.ih
            && self.ow == self.iw
    }

    /// Input row `iy` for output row `oy` and window row `ky`, if inside the input.
    #[inline]
    pub fn in_y(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.s[0] + ky * self.d[0])
            .checked_sub(self.pad[0])
            .filter(|&y| y < self.ih)
    }

    /// Input column for output column `ox` and window column `kx`, if inside the input.
    #[inline]
    pub fn in_x(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.s[1] + kx * self.d[1])
            .checked_sub(self.pad[1])
            .filter(|&x| x < self.iw)
    }
}

/// Floats per im2col tile: small enough to stay in L2.
const TILE_ELEMS: usize = 64 * 1024;

/// Output positions per tile for patch length `k`.
pub(crate) fn tile_rows(k: usize) -> usize {
    (TILE_ELEMS / k.max(1)).max(1)
}

/// Writes the patches of positions `p0..p0+rows` of one image into `col` (`rows × patch`).
pub(crate) fn im2col(x: &[f32], g: &ConvGeom, p0: usize, rows: usize, col: &mut [f32]) {
    let (ic, k) = (g.ic, g.patch());
    for (r, row) in col.chunks_exact_mut(k).take(rows).enumerate() {
        let p = p0 + r;
        let (oy, ox) = (p / g.ow, p % g.ow);
        for ky in 0..g.kh {
            let dst = &mut row[ky * g.kw * ic..(ky + 1) * g.kw * ic];
            let Some(iy) = g.in_y(oy, ky) else {
                dst.fill(0.0);
                continue;
            };
            for kx in 0..g.kw {
                let d = &mut dst[kx * ic..(kx + 1) * ic];
                match g.in_x(ox, kx) {
                    Some(ix) => {
                        let s = (iy * g.iw + ix) * ic;
                        d.copy_from_slice(&x[s..s + ic]);
                    }
                    None => d.fill(0.0),
                }
            }
        }
    }
}

/// Checks a float32 NHWC input and an HWIO filter; returns the geometry.
pub(crate) fn conv_geom(
    op: &'static str,
    input: &[usize],
    filter: &[usize],
    win: &Window2d,
) -> Result<ConvGeom> {
    let &[kh, kw, fic, oc] = filter else {
        return Err(Error::Shapes {
            op,
            lhs: input.to_vec(),
            rhs: filter.to_vec(),
        });
    };
    if input.len() != 4 || input[3] != fic {
        return Err(Error::Shapes {
            op,
            lhs: input.to_vec(),
            rhs: filter.to_vec(),
        });
    }
    ConvGeom::new(op, input, kh, kw, oc, win)
}

/// TensorFlow's `Conv2D` (NHWC input, `[kh, kw, in, out]` filter), float32.
pub fn conv2d(input: &Tensor, filter: &Tensor, win: &Window2d, out: &mut Tensor) -> Result<()> {
    let g = conv_geom("Conv2D", input.dims(), filter.dims(), win)?;
    let x = input.as_slice::<f32>()?;
    let w = filter.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    conv2d_slices(x, w, &g, o)
}

/// [`conv2d`] on checked slices: `x` is `[n, ih, iw, ic]`, `w` `[patch, oc]`, `o` the output.
pub(crate) fn conv2d_slices(x: &[f32], w: &[f32], g: &ConvGeom, o: &mut [f32]) -> Result<()> {
    let (oc, k) = (g.oc, g.patch());
    if o.is_empty() {
        return Ok(());
    }
    if super::conv_small::applies(g) {
        return super::conv_small::conv2d_c1(x, w, g, None, o);
    }
    if super::packed::available() {
        let packed = PackedB::pack(w, k, oc, false)?;
        return super::conv_packed::conv2d_packed(x, &packed, g, None, o);
    }
    conv2d_portable(x, w, g, o)
}

/// The convolution through `matrixmultiply` (any CPU): each tile's GEMM packs the filter.
pub(crate) fn conv2d_portable(x: &[f32], w: &[f32], g: &ConvGeom, o: &mut [f32]) -> Result<()> {
    let (pos, oc, k) = (g.positions(), g.oc, g.patch());
    if o.is_empty() {
        return Ok(());
    }
    let img_in = g.ih * g.iw * g.ic;
    let rows = tile_rows(k);
    o.par_chunks_mut(pos * oc)
        .enumerate()
        .try_for_each(|(b, o_img)| {
            let x_img = &x[b * img_in..(b + 1) * img_in];
            if g.is_pointwise() {
                return matmul_f32_slices(x_img, w, gemm_dims(pos, k, oc), o_img);
            }
            o_img
                .par_chunks_mut(rows * oc)
                .enumerate()
                .try_for_each_init(Vec::new, |col, (t, o_tile)| {
                    let np = o_tile.len() / oc;
                    col.resize(np * k, 0.0);
                    im2col(x_img, g, t * rows, np, col);
                    matmul_f32_slices(col, w, gemm_dims(np, k, oc), o_tile)
                })
        })
}

/// Plain (untransposed) GEMM dimensions.
pub(crate) fn gemm_dims(m: usize, k: usize, n: usize) -> MatmulDims {
    MatmulDims {
        m,
        k,
        n,
        transpose_a: false,
        transpose_b: false,
    }
}

#[cfg(test)]
#[path = "conv_tests.rs"]
mod tests;
