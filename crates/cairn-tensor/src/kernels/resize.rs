//! `ResizeBilinear` on NHWC images, with TensorFlow's three coordinate conventions.
//!
//! For output index `o` along an axis of input size `n` and output size `m`, TensorFlow
//! computes (in float32) `scale = (n-1)/(m-1)` with `align_corners` (and `m > 1`), else
//! `n/m`; the source coordinate is `o·scale` (legacy, align_corners) or
//! `(o+0.5)·scale − 0.5` (half_pixel_centers); then `lower = max(floor(c), 0)`,
//! `upper = min(ceil(c), n−1)`, `lerp = c − floor(c)`, and the value is
//! `top + (bottom − top)·ylerp` with `top = tl + (tr − tl)·xlerp` (likewise `bottom`).

use super::util::Num;
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// Where output pixels sample the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResizeMode {
    /// TensorFlow 1's default: `c = o · n/m` (top-left aligned, no half-pixel offset).
    Legacy,
    /// `align_corners=True`: corner pixels of input and output coincide.
    AlignCorners,
    /// `half_pixel_centers=True`: pixel centres at `o + 0.5` (TensorFlow 2's `tf.image.resize`).
    HalfPixelCenters,
}

impl ResizeMode {
    /// From the op's two boolean attributes; both true is TensorFlow's error.
    pub fn from_attrs(align_corners: bool, half_pixel_centers: bool) -> Result<ResizeMode> {
        match (align_corners, half_pixel_centers) {
            (false, false) => Ok(ResizeMode::Legacy),
            (true, false) => Ok(ResizeMode::AlignCorners),
            (false, true) => Ok(ResizeMode::HalfPixelCenters),
            (true, true) => Err(Error::Invalid {
                op: "ResizeBilinear",
                what: "if half_pixel_centers is true, align_corners must be false".into(),
            }),
        }
    }

    fn scale(self, n: usize, m: usize) -> f32 {
        if self == ResizeMode::AlignCorners && m > 1 {
            (n - 1) as f32 / (m - 1) as f32
        } else {
            n as f32 / m as f32
        }
    }

    fn coord(self, o: usize, scale: f32) -> f32 {
        match self {
            ResizeMode::HalfPixelCenters => (o as f32 + 0.5) * scale - 0.5,
            _ => o as f32 * scale,
        }
    }
}

/// Per output index: (lower, upper, lerp) along one axis.
fn weights(mode: ResizeMode, n: usize, m: usize) -> Vec<(usize, usize, f32)> {
    let scale = mode.scale(n, m);
    (0..m)
        .map(|o| {
            let c = mode.coord(o, scale);
            let f = c.floor();
            let lower = (f.max(0.0) as usize).min(n - 1);
            let upper = (c.ceil().max(0.0) as usize).min(n - 1);
            (lower, upper, c - f)
        })
        .collect()
}

/// Resizes `x` (`[batch, height, width, channels]`, any real dtype) to `out_h × out_w`,
/// writing float32 into `out`.
pub fn resize_bilinear(
    x: &Tensor,
    out_h: usize,
    out_w: usize,
    mode: ResizeMode,
    out: &mut Tensor,
) -> Result<()> {
    let &[b, h, w, c] = x.dims() else {
        return Err(Error::Invalid {
            op: "ResizeBilinear",
            what: format!(
                "input must be 4-D [batch, height, width, channels], got {:?}",
                x.dims()
            ),
        });
    };
    if out_h == 0 || out_w == 0 || (h == 0 || w == 0) && b * c > 0 {
        return Err(Error::Invalid {
            op: "ResizeBilinear",
            what: format!("cannot resize {:?} to {out_h}x{out_w}", x.dims()),
        });
    }
    let dims = [b, out_h, out_w, c];
    crate::Shape::from(dims.to_vec()).num_elements_checked()?;
    let converted;
    let src: &[f32] = if x.dtype() == crate::DType::Float32 {
        x.as_slice::<f32>()?
    } else {
        converted = with_num!(x.dtype(), "ResizeBilinear", |T| {
            Ok(x.as_slice::<T>()?
                .iter()
                .map(|v| v.to_f64() as f32)
                .collect::<Vec<f32>>())
        })?;
        &converted
    };
    let ys = weights(mode, h.max(1), out_h);
    let xs = weights(mode, w.max(1), out_w);
    let o = out.reset_as::<f32>(&dims)?;
    let row_len = out_w * c;
    if row_len == 0 {
        return Ok(());
    }
    let fill_row = |(r, row): (usize, &mut [f32])| {
        let (n, oy) = (r / out_h, r % out_h);
        let (y0, y1, yl) = ys[oy];
        let top = &src[((n * h + y0) * w) * c..][..w * c];
        let bot = &src[((n * h + y1) * w) * c..][..w * c];
        for (ox, &(x0, x1, xl)) in xs.iter().enumerate() {
            let dst = &mut row[ox * c..][..c];
            for (k, d) in dst.iter_mut().enumerate() {
                let (tl, tr) = (top[x0 * c + k], top[x1 * c + k]);
                let (bl, br) = (bot[x0 * c + k], bot[x1 * c + k]);
                let t = tl + (tr - tl) * xl;
                let bo = bl + (br - bl) * xl;
                *d = t + (bo - t) * yl;
            }
        }
    };
    if o.len() >= super::PARALLEL_THRESHOLD {
        o.par_chunks_mut(row_len).enumerate().for_each(fill_row);
    } else {
        o.chunks_mut(row_len).enumerate().for_each(fill_row);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, one output value at a time, in f64 from the same float32 coordinates.
    fn naive(x: &[f32], d: [usize; 4], oh: usize, ow: usize, mode: ResizeMode) -> Vec<f64> {
        let [b, h, w, c] = d;
        let at =
            |n: usize, y: usize, xx: usize, k: usize| f64::from(x[((n * h + y) * w + xx) * c + k]);
        let axis = |o: usize, n: usize, m: usize| {
            let coord = mode.coord(o, mode.scale(n, m));
            let f = coord.floor();
            let lo = (f.max(0.0) as usize).min(n - 1);
            let hi = (coord.ceil().max(0.0) as usize).min(n - 1);
            (lo, hi, f64::from(coord - f))
        };
        let mut out = Vec::new();
        for n in 0..b {
            for oy in 0..oh {
                let (y0, y1, yl) = axis(oy, h, oh);
                for ox in 0..ow {
                    let (x0, x1, xl) = axis(ox, w, ow);
                    for k in 0..c {
                        let top = at(n, y0, x0, k) * (1.0 - xl) + at(n, y0, x1, k) * xl;
                        let bot = at(n, y1, x0, k) * (1.0 - xl) + at(n, y1, x1, k) * xl;
                        out.push(top * (1.0 - yl) + bot * yl);
                    }
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn matches_naive(b in 1usize..3, h in 1usize..9, w in 1usize..9, c in 1usize..4,
                         oh in 1usize..12, ow in 1usize..12, m in 0usize..3, seed in any::<u64>()) {
            let mode = [ResizeMode::Legacy, ResizeMode::AlignCorners, ResizeMode::HalfPixelCenters][m];
            let n = b * h * w * c;
            let x: Vec<f32> = (0..n).map(|i| (((i as u64 * 2654435761) ^ seed) % 1000) as f32 / 100.0 - 5.0).collect();
            let t = Tensor::from_vec([b, h, w, c], x.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut out = Tensor::default();
            resize_bilinear(&t, oh, ow, mode, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let got = out.as_slice::<f32>().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let want = naive(&x, [b, h, w, c], oh, ow, mode);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((f64::from(*g) - w).abs() < 1e-4, "{} vs {}", g, w);
            }
        }
    }

    #[test]
    fn uint8_input_and_errors() -> Result<()> {
        let x = Tensor::from_vec([1usize, 1, 2, 1], vec![0u8, 255])?;
        let mut out = Tensor::default();
        resize_bilinear(&x, 1, 4, ResizeMode::Legacy, &mut out)?;
        assert_eq!(out.as_slice::<f32>()?, &[0.0, 127.5, 255.0, 255.0]);
        assert!(resize_bilinear(&x, 0, 4, ResizeMode::Legacy, &mut out).is_err());
        assert!(ResizeMode::from_attrs(true, true).is_err());
        let flat = Tensor::from_vec([2usize], vec![1.0f32, 2.0])?;
        assert!(resize_bilinear(&flat, 1, 1, ResizeMode::Legacy, &mut out).is_err());
        Ok(())
    }
}
