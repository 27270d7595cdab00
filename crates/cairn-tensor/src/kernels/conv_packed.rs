//! `Conv2D` with a pre-packed filter and an in-tile epilogue (bias, ReLU/ReLU6).
//!
//! A frozen graph's filters are constants: [`PackedFilter`] packs one once, when a plan is
//! built, and every run multiplies im2col tiles by it ([`conv2d_prepacked`]). The bias and
//! activation of a folded `Conv2D → BiasAdd/BatchNorm → Relu` chain are applied to each
//! output tile right after its GEMM, while it is still in cache.
//!
//! Work is split over the tiles of all images at once, so a batch of one still uses every
//! core; tiles are fixed by the geometry, never by the thread count (deterministic).

use super::batchnorm::Activation;
use super::conv::{conv_geom, im2col, ConvGeom, Window2d};
use super::packed::{gemm_packed, PackedB};
use super::winograd::{self, WinogradFilter};
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// A `Conv2D` filter `[kh, kw, in, out]` packed for [`conv2d_prepacked`].
#[derive(Clone, Debug)]
pub struct PackedFilter {
    dims: [usize; 4],
    /// The `[kh·kw·in, out]` matrix for im2col.
    matrix: PackedB,
    /// The Winograd form of a 3×3 filter made for stride-1 undilated windows.
    winograd: Option<WinogradFilter>,
}

impl PackedFilter {
    /// Packs a float32 HWIO filter.
    pub fn new(filter: &Tensor) -> Result<PackedFilter> {
        let &[kh, kw, ic, oc] = filter.dims() else {
            return Err(Error::Invalid {
                op: "Conv2D",
                what: format!("the filter must be rank 4 (HWIO), got {:?}", filter.dims()),
            });
        };
        let w = filter.as_slice::<f32>()?;
        let matrix = PackedB::pack(w, kh * kw * ic, oc, false)?;
        Ok(PackedFilter {
            dims: [kh, kw, ic, oc],
            matrix,
            winograd: None,
        })
    }

    /// Packs a float32 HWIO filter for convolutions with window `win`: a 3×3 filter with
    /// stride 1 and no dilation is also kept in Winograd form (see [`super::winograd`]),
    /// used on inputs large enough for it to pay.
    pub fn for_window(filter: &Tensor, win: &Window2d) -> Result<PackedFilter> {
        let mut packed = PackedFilter::new(filter)?;
        if let [3, 3, ic, oc] = packed.dims {
            if win.strides == [1, 1] && win.dilations == [1, 1] {
                let w = filter.as_slice::<f32>()?;
                packed.winograd = Some(WinogradFilter::new(w, ic, oc)?);
            }
        }
        Ok(packed)
    }

    /// The filter's dims `[kh, kw, in, out]`.
    pub fn dims(&self) -> [usize; 4] {
        self.dims
    }
}

/// `act(conv2d(input, filter) + bias)` with a packed filter (`bias`: one per output channel).
pub fn conv2d_prepacked(
    input: &Tensor,
    filter: &PackedFilter,
    win: &Window2d,
    epilogue: Option<(&[f32], Activation)>,
    out: &mut Tensor,
) -> Result<()> {
    let g = conv_geom("Conv2D", input.dims(), &filter.dims, win)?;
    if let Some((bias, _)) = epilogue {
        if bias.len() != g.oc {
            return Err(Error::Shapes {
                op: "BiasAdd",
                lhs: g.out_dims().to_vec(),
                rhs: vec![bias.len()],
            });
        }
    }
    let x = input.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    match &filter.winograd {
        Some(wf) if winograd::pays(&g) => winograd::conv2d_winograd(x, wf, &g, epilogue, o),
        _ => conv2d_packed(x, &filter.matrix, &g, epilogue, o),
    }
}

/// The convolution of checked slices with the filter matrix `[patch, oc]` already packed.
pub(crate) fn conv2d_packed(
    x: &[f32],
    w: &PackedB,
    g: &ConvGeom,
    epilogue: Option<(&[f32], Activation)>,
    o: &mut [f32],
) -> Result<()> {
    let (pos, oc, k) = (g.positions(), g.oc, g.patch());
    if w.k() != k || w.n() != oc {
        return Err(Error::Invalid {
            op: "Conv2D",
            what: format!(
                "a packed filter of {}×{} for patches of {k} and {oc} outputs",
                w.k(),
                w.n()
            ),
        });
    }
    if o.is_empty() {
        return Ok(());
    }
    let img_in = g.ih * g.iw * g.ic;
    let mut rows = packed_tile_rows(k);
    // At least 4 tiles per thread, so every core stays busy to the end (the small late
    // layers of a network at batch 1); measured on MobileNetV2: 14 -> 11 ms.
    let per_task = (g.n * pos)
        .div_ceil(4 * rayon::current_num_threads())
        .div_ceil(12)
        * 12;
    rows = rows.min(per_task.max(12));
    let tiles: Vec<(usize, usize, &mut [f32])> = o
        .chunks_mut(pos * oc)
        .enumerate()
        .flat_map(|(b, o_img)| {
            o_img
                .chunks_mut(rows * oc)
                .enumerate()
                .map(move |(t, tile)| (b, t, tile))
        })
        .collect();
    tiles.into_par_iter().try_for_each(|(b, t, o_tile)| {
        let x_img = &x[b * img_in..(b + 1) * img_in];
        let np = o_tile.len() / oc;
        if g.is_pointwise() {
            let p0 = t * rows * k;
            gemm_packed(&x_img[p0..p0 + np * k], np, w, o_tile)?;
        } else {
            // One im2col buffer per thread, kept across tiles and calls: a fresh one
            // per task cost an allocation and its page faults every time.
            COL.with_borrow_mut(|col| {
                col.resize(np * k, 0.0);
                im2col(x_img, g, t * rows, np, col);
                gemm_packed(&col[..np * k], np, w, o_tile)
            })?;
        }
        if let Some((bias, act)) = epilogue {
            bias_act(o_tile, bias, act);
        }
        Ok(())
    })
}

thread_local! {
    /// Each thread's im2col tile (at most about 64 Ki floats, or 24 rows of a patch).
    static COL: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Output positions per tile: about `TILE` floats of im2col rows, a multiple of the
/// micro-kernel's 12 rows (no 1-row remainders), at least 24.
fn packed_tile_rows(k: usize) -> usize {
    const TILE: usize = 64 * 1024;
    ((TILE / k.max(1)) / 12 * 12).max(24)
}

/// Adds `bias` to every row of `tile` and applies `act`, as `bias_activation_in_place`.
pub(crate) fn bias_act(tile: &mut [f32], bias: &[f32], act: Activation) {
    for row in tile.chunks_exact_mut(bias.len()) {
        for (v, &b) in row.iter_mut().zip(bias) {
            let y = *v + b;
            *v = match act {
                Activation::Identity => y,
                Activation::Relu => y.max(0.0),
                Activation::Relu6 => y.clamp(0.0, 6.0),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::Padding;

    fn filled(dims: &[usize], seed: usize) -> Result<Tensor> {
        let n: usize = dims.iter().product();
        let v = (0..n)
            .map(|i| ((i * 7 + seed * 13) % 23) as f32 / 11.0 - 1.0)
            .collect::<Vec<f32>>();
        Tensor::from_vec(dims.to_vec(), v)
    }

    #[test]
    fn prepacked_with_epilogue_matches_conv_then_bias_act() -> Result<()> {
        let x = filled(&[2, 17, 13, 5], 1)?;
        let w = filled(&[3, 2, 5, 37], 2)?;
        let bias: Vec<f32> = (0..37).map(|i| i as f32 * 0.1 - 1.5).collect();
        for (win, act) in [
            (Window2d::new([2, 1], Padding::Same), Activation::Relu6),
            (Window2d::new([1, 1], Padding::Valid), Activation::Relu),
            (
                Window2d::new([1, 2], Padding::Explicit([1, 0, 2, 1])),
                Activation::Identity,
            ),
        ] {
            let mut want = Tensor::default();
            crate::kernels::conv2d(&x, &w, &win, &mut want)?;
            crate::kernels::batchnorm::bias_activation_in_place(&mut want, &bias, act)?;
            let mut got = Tensor::default();
            let packed = PackedFilter::new(&w)?;
            conv2d_prepacked(&x, &packed, &win, Some((&bias, act)), &mut got)?;
            assert_eq!(got.dims(), want.dims());
            for (a, b) in got.as_slice::<f32>()?.iter().zip(want.as_slice::<f32>()?) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b}");
            }
        }
        Ok(())
    }

    #[test]
    fn wrong_bias_or_input_is_an_error() -> Result<()> {
        let w = PackedFilter::new(&filled(&[1, 1, 3, 4], 0)?)?;
        let win = Window2d::new([1, 1], Padding::Valid);
        let mut out = Tensor::default();
        let x = filled(&[1, 2, 2, 3], 0)?;
        assert!(
            conv2d_prepacked(&x, &w, &win, Some((&[0.0; 3], Activation::Relu)), &mut out).is_err()
        );
        let bad = filled(&[1, 2, 2, 5], 0)?;
        assert!(conv2d_prepacked(&bad, &w, &win, None, &mut out).is_err());
        assert!(PackedFilter::new(&filled(&[3, 4], 0)?).is_err());
        Ok(())
    }
}
