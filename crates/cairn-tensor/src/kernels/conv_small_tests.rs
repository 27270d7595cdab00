//! The direct 1-channel convolution against the obvious loops.

use super::*;
use crate::kernels::conv::{Padding, Window2d};

fn filled(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let v = ((i * 7 + seed * 13) % 23) as f32 / 11.0 - 1.0;
            // Some exact zeros, as after ReLU and max-pool gradients.
            if (i + seed).is_multiple_of(5) {
                0.0
            } else {
                v
            }
        })
        .collect()
}

/// Input index of tap `(ky, kx)` for output `(oy, ox)`, if inside the image.
fn tap(g: &ConvGeom, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<usize> {
    Some(g.in_y(oy, ky)? * g.iw + g.in_x(ox, kx)?)
}

fn naive_forward(x: &[f32], w: &[f32], g: &ConvGeom) -> Vec<f32> {
    let mut o = vec![0f32; g.n * g.positions() * g.oc];
    for b in 0..g.n {
        for p in 0..g.positions() {
            for c in 0..g.oc {
                let mut s = 0f64;
                for t in 0..g.kh * g.kw {
                    if let Some(i) = tap(g, p / g.ow, p % g.ow, t / g.kw, t % g.kw) {
                        s += f64::from(x[b * g.ih * g.iw + i]) * f64::from(w[t * g.oc + c]);
                    }
                }
                o[(b * g.positions() + p) * g.oc + c] = s as f32;
            }
        }
    }
    o
}

fn naive_filter(x: &[f32], d: &[f32], g: &ConvGeom) -> Vec<f32> {
    let mut dw = vec![0f64; g.kh * g.kw * g.oc];
    for b in 0..g.n {
        for p in 0..g.positions() {
            for t in 0..g.kh * g.kw {
                if let Some(i) = tap(g, p / g.ow, p % g.ow, t / g.kw, t % g.kw) {
                    for c in 0..g.oc {
                        dw[t * g.oc + c] += f64::from(x[b * g.ih * g.iw + i])
                            * f64::from(d[(b * g.positions() + p) * g.oc + c]);
                    }
                }
            }
        }
    }
    dw.into_iter().map(|v| v as f32).collect()
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-4 * (1.0 + y.abs()))
}

fn geometries() -> Result<Vec<ConvGeom>> {
    let mut v = Vec::new();
    for (dims, k, oc, win) in [
        (
            [3, 9, 7, 1],
            [5, 5],
            32,
            Window2d::new([1, 1], Padding::Same),
        ),
        (
            [2, 8, 8, 1],
            [3, 2],
            37,
            Window2d::new([2, 1], Padding::Same),
        ),
        (
            [5, 6, 5, 1],
            [2, 3],
            7,
            Window2d::new([1, 2], Padding::Valid),
        ),
        (
            [1, 5, 4, 1],
            [3, 3],
            65,
            Window2d::new([1, 1], Padding::Explicit([1, 0, 2, 1])),
        ),
    ] {
        v.push(ConvGeom::new("Conv2D", &dims, k[0], k[1], oc, &win)?);
    }
    Ok(v)
}

#[test]
fn forward_matches_naive_with_and_without_bias_relu() -> Result<()> {
    for g in geometries()? {
        let x = filled(g.n * g.ih * g.iw, 1);
        let w = filled(g.kh * g.kw * g.oc, 2);
        let want = naive_forward(&x, &w, &g);
        let mut o = vec![0f32; want.len()];
        conv2d_c1(&x, &w, &g, None, &mut o)?;
        assert!(close(&o, &want), "{g:?}");
        let bias: Vec<f32> = (0..g.oc).map(|i| i as f32 * 0.05 - 0.7).collect();
        conv2d_c1(&x, &w, &g, Some(&bias), &mut o)?;
        let fused: Vec<f32> = want
            .iter()
            .enumerate()
            .map(|(i, &v)| (v + bias[i % g.oc]).max(0.0))
            .collect();
        assert!(close(&o, &fused), "{g:?}");
    }
    Ok(())
}

#[test]
fn filter_gradient_matches_naive() -> Result<()> {
    for g in geometries()? {
        let x = filled(g.n * g.ih * g.iw, 3);
        let d = filled(g.n * g.positions() * g.oc, 4);
        let want = naive_filter(&x, &d, &g);
        let mut dw = vec![1f32; want.len()];
        backprop_filter_c1(&x, &d, &g, &mut dw)?;
        assert!(close(&dw, &want), "{g:?}");
    }
    Ok(())
}

#[test]
fn portable_and_simd_builds_agree_bit_for_bit() -> Result<()> {
    let g = geometries()?[1];
    let x = filled(g.n * g.ih * g.iw, 5);
    let w = filled(g.kh * g.kw * g.oc, 6);
    let (wp, ocp) = padded_filter(&w, g.kh * g.kw, g.oc);
    let row = g.ow * g.oc;
    let (mut a, mut b) = (vec![0f32; row], vec![0f32; row]);
    forward_row_impl(&x, &wp, ocp, &g, 1, None, &mut a);
    simd::forward_row(&x, &wp, ocp, &g, 1, None, &mut b);
    assert_eq!(a, b);
    let d = filled(g.n * g.positions() * g.oc, 7);
    let (mut pa, mut pb) = (vec![0f32; wp.len()], vec![0f32; wp.len()]);
    filter_image_impl(&x, &d, &g, 1, ocp, &mut pa);
    simd::filter_image(&x, &d, &g, 1, ocp, &mut pb);
    assert_eq!(pa, pb);
    Ok(())
}

#[test]
fn wrong_sizes_are_errors() -> Result<()> {
    let g = geometries()?[0];
    let mut o = vec![0f32; g.n * g.positions() * g.oc];
    let w = vec![0f32; g.kh * g.kw * g.oc];
    assert!(conv2d_c1(&[0.0; 3], &w, &g, None, &mut o).is_err());
    let x = vec![0f32; g.n * g.ih * g.iw];
    assert!(conv2d_c1(&x, &w, &g, Some(&[0.0; 2]), &mut o).is_err());
    let mut dw = vec![0f32; 4];
    assert!(backprop_filter_c1(&x, &o, &g, &mut dw).is_err());
    Ok(())
}
