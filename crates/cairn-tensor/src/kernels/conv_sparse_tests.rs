//! The sparse convolution gradients against the obvious loops.

use super::*;
use crate::kernels::conv::{Padding, Window2d};

/// Values with about three zeros in four, as after ReLU and max-pool gradients.
fn sparse(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let h = (i * 2654435761 + seed * 97) % 1000;
            if h < 750 {
                0.0
            } else {
                h as f32 / 500.0 - 1.7
            }
        })
        .collect()
}

fn dense(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7 + seed * 13) % 23) as f32 / 11.0 - 1.0)
        .collect()
}

/// Calls `f(x index, w index, dy index)` for every term of the convolution.
fn terms(g: &ConvGeom, mut f: impl FnMut(usize, usize, usize)) {
    for b in 0..g.n {
        for p in 0..g.positions() {
            let (oy, ox) = (p / g.ow, p % g.ow);
            for ky in 0..g.kh {
                let Some(iy) = g.in_y(oy, ky) else { continue };
                for kx in 0..g.kw {
                    let Some(ix) = g.in_x(ox, kx) else { continue };
                    for c in 0..g.ic {
                        for o in 0..g.oc {
                            f(
                                ((b * g.ih + iy) * g.iw + ix) * g.ic + c,
                                ((ky * g.kw + kx) * g.ic + c) * g.oc + o,
                                (b * g.positions() + p) * g.oc + o,
                            );
                        }
                    }
                }
            }
        }
    }
}

fn close(a: &[f32], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| (f64::from(x) - y).abs() <= 1e-4 * (1.0 + y.abs()))
}

fn geometries() -> Result<Vec<ConvGeom>> {
    let mut v = Vec::new();
    for (dims, k, oc, win) in [
        (
            [3, 7, 6, 32],
            [5, 5],
            64,
            Window2d::new([1, 1], Padding::Same),
        ),
        (
            [2, 5, 6, 16],
            [3, 2],
            7,
            Window2d::new([1, 1], Padding::Valid),
        ),
        (
            [1, 4, 5, 8],
            [2, 4],
            33,
            Window2d::new([1, 1], Padding::Explicit([1, 2, 0, 3])),
        ),
    ] {
        v.push(ConvGeom::new("Conv2D", &dims, k[0], k[1], oc, &win)?);
    }
    Ok(v)
}

#[test]
fn input_gradient_matches_naive() -> Result<()> {
    for g in geometries()? {
        assert!(applies(&g), "{g:?}");
        let w = dense(g.patch() * g.oc, 1);
        let d = sparse(g.n * g.positions() * g.oc, 2);
        let mut want = vec![0f64; g.n * g.ih * g.iw * g.ic];
        terms(&g, |xi, wi, di| {
            want[xi] += f64::from(w[wi]) * f64::from(d[di])
        });
        let mut dx = vec![f32::NAN; want.len()];
        backprop_input(&w, &d, &g, &mut dx)?;
        assert!(close(&dx, &want), "{g:?}");
    }
    Ok(())
}

#[test]
fn filter_gradient_matches_naive() -> Result<()> {
    for g in geometries()? {
        let x = dense(g.n * g.ih * g.iw * g.ic, 3);
        let d = sparse(g.n * g.positions() * g.oc, 4);
        let mut want = vec![0f64; g.patch() * g.oc];
        terms(&g, |xi, wi, di| {
            want[wi] += f64::from(x[xi]) * f64::from(d[di])
        });
        let mut dw = vec![f32::NAN; want.len()];
        backprop_filter(&x, &d, &g, &mut dw)?;
        assert!(close(&dw, &want), "{g:?}");
    }
    Ok(())
}

#[test]
fn unsupported_geometry_and_sizes_are_rejected() -> Result<()> {
    let strided = ConvGeom::new(
        "Conv2D",
        &[1, 8, 8, 16],
        3,
        3,
        4,
        &Window2d::new([2, 2], Padding::Same),
    )?;
    assert!(!applies(&strided));
    let odd = ConvGeom::new(
        "Conv2D",
        &[1, 8, 8, 3],
        3,
        3,
        4,
        &Window2d::new([1, 1], Padding::Same),
    )?;
    assert!(!applies(&odd));
    let g = geometries()?[1];
    let mut dx = vec![0f32; 3];
    assert!(backprop_input(&[0.0; 4], &[0.0; 4], &g, &mut dx).is_err());
    assert!(backprop_filter(&[0.0; 4], &[0.0; 4], &g, &mut dx).is_err());
    Ok(())
}
