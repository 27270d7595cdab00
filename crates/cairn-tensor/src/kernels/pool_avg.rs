//! The forward `AvgPool` loop, separable: each output row first sums its window's input
//! rows column by column (`kh` adds per input column), then slides the window along that
//! row of column sums (`kw` adds per output). A 3×3 window costs 6 adds per output instead
//! of 9, and the loops are compiled for AVX-512 when the CPU has it.
//!
//! As in TensorFlow, padding takes no part: each output is divided by the number of valid
//! input cells of its window. Each output row is computed by one thread, in a fixed order
//! (deterministic for any thread count).

use super::conv::ConvGeom;
use rayon::prelude::*;

/// Averages the windows of `g` over `x` (`[n, ih, iw, c]`) into `o` (`[n, oh, ow, c]`);
/// the caller has checked both sizes against `g` (`g.ic` is the channel count).
pub(crate) fn avg_pool_slices(x: &[f32], g: &ConvGeom, o: &mut [f32]) {
    let (x_img, row) = (g.ih * g.iw * g.ic, g.ow * g.ic);
    if row == 0 || g.n == 0 || g.oh == 0 {
        return;
    }
    o.par_chunks_mut(row)
        .enumerate()
        .for_each_init(Vec::new, |colsum, (i, o_row)| {
            let (b, oy) = (i / g.oh, i % g.oh);
            let x = &x[b * x_img..(b + 1) * x_img];
            #[cfg(target_arch = "x86_64")]
            if super::packed::available() {
                return wide::row(x, g, oy, colsum, o_row);
            }
            row_body(x, g, oy, colsum, o_row)
        });
}

/// [`row_body`] compiled for AVX-512F.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod wide {
    use super::{row_body, ConvGeom};

    /// [`row_body`] with AVX-512F enabled.
    pub(super) fn row(x: &[f32], g: &ConvGeom, oy: usize, colsum: &mut Vec<f32>, o: &mut [f32]) {
        #[target_feature(enable = "avx512f")]
        fn run(x: &[f32], g: &ConvGeom, oy: usize, colsum: &mut Vec<f32>, o: &mut [f32]) {
            row_body(x, g, oy, colsum, o)
        }
        // SAFETY: reached only when `packed::available()` found AVX-512F on this CPU.
        unsafe { run(x, g, oy, colsum, o) }
    }
}

/// Output row `oy` of one image: column sums of the valid window rows into `colsum`
/// (`iw × c`), then each window's valid columns summed and divided by the cell count.
#[inline(always)]
fn row_body(x: &[f32], g: &ConvGeom, oy: usize, colsum: &mut Vec<f32>, o: &mut [f32]) {
    let c = g.ic;
    let in_row = g.iw * c;
    colsum.clear();
    colsum.resize(in_row, 0.0);
    let mut rows = 0usize;
    for ky in 0..g.kh {
        let Some(iy) = g.in_y(oy, ky) else { continue };
        rows += 1;
        for (s, &v) in colsum.iter_mut().zip(&x[iy * in_row..(iy + 1) * in_row]) {
            *s += v;
        }
    }
    for (ox, acc) in o.chunks_exact_mut(c).enumerate() {
        acc.fill(0.0);
        let mut cols = 0usize;
        for kx in 0..g.kw {
            let Some(ix) = g.in_x(ox, kx) else { continue };
            cols += 1;
            for (a, &v) in acc.iter_mut().zip(&colsum[ix * c..(ix + 1) * c]) {
                *a += v;
            }
        }
        let n = (rows * cols).max(1) as f32;
        for a in acc.iter_mut() {
            *a /= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::{Padding, Window2d};
    use crate::Result;

    /// The average of each window's valid cells, by the definition.
    fn naive(x: &[f32], g: &ConvGeom) -> Vec<f32> {
        let c = g.ic;
        let mut out = Vec::new();
        for b in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    for ch in 0..c {
                        let (mut s, mut k) = (0.0f64, 0);
                        for ky in 0..g.kh {
                            for kx in 0..g.kw {
                                if let (Some(iy), Some(ix)) = (g.in_y(oy, ky), g.in_x(ox, kx)) {
                                    s += f64::from(x[((b * g.ih + iy) * g.iw + ix) * c + ch]);
                                    k += 1;
                                }
                            }
                        }
                        out.push((s / f64::from(k.max(1))) as f32);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_average_of_valid_cells() -> Result<()> {
        for (dims, k, s, padding) in [
            ([1, 7, 9, 19], [3, 3], [1, 1], Padding::Same),
            ([2, 8, 5, 3], [2, 3], [2, 1], Padding::Valid),
            ([1, 6, 6, 33], [3, 2], [2, 3], Padding::Same),
            (
                [1, 4, 5, 2],
                [3, 3],
                [1, 2],
                Padding::Explicit([1, 2, 0, 1]),
            ),
        ] {
            let g = ConvGeom::new(
                "AvgPool",
                &dims,
                k[0],
                k[1],
                dims[3],
                &Window2d::new(s, padding),
            )?;
            let x: Vec<f32> = (0..dims.iter().product::<usize>())
                .map(|i| ((i * 37) % 101) as f32 / 10.0 - 5.0)
                .collect();
            let mut o = vec![f32::NAN; g.n * g.positions() * g.ic];
            avg_pool_slices(&x, &g, &mut o);
            for (a, b) in o.iter().zip(naive(&x, &g)) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
        Ok(())
    }
}
