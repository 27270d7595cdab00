//! Convolution kernels against naive loops (proptest), and TensorFlow's geometry.

use super::*;
use crate::kernels::conv_grad::{conv2d_backprop_filter, conv2d_backprop_input};
use crate::kernels::depthwise::depthwise_conv2d;
use proptest::prelude::*;

/// The obvious 7-loop convolution, with signed input coordinates; `mult` > 0 makes it
/// depthwise (filter `[kh, kw, ic, mult]`).
fn naive(
    x: &[f32],
    xd: [usize; 4],
    w: &[f32],
    wd: [usize; 4],
    g: &ConvGeom,
    depthwise: bool,
) -> Vec<f32> {
    let [n, ih, iw, ic] = xd;
    let [kh, kw, _, wo] = wd;
    let oc = if depthwise { ic * wo } else { wo };
    let mut out = vec![0f32; n * g.oh * g.ow * oc];
    for b in 0..n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for o in 0..oc {
                    let mut s = 0f32;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (oy * g.s[0] + ky * g.d[0]) as i64 - g.pad[0] as i64;
                            let ix = (ox * g.s[1] + kx * g.d[1]) as i64 - g.pad[1] as i64;
                            if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                continue;
                            }
                            let xi = ((b * ih + iy as usize) * iw + ix as usize) * ic;
                            if depthwise {
                                let (c, m) = (o / wo, o % wo);
                                s += x[xi + c] * w[((ky * kw + kx) * ic + c) * wo + m];
                            } else {
                                for c in 0..ic {
                                    s += x[xi + c] * w[((ky * kw + kx) * ic + c) * wo + o];
                                }
                            }
                        }
                    }
                    out[((b * g.oh + oy) * g.ow + ox) * oc + o] = s;
                }
            }
        }
    }
    out
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-3 * (1.0 + y.abs()))
}

fn padding() -> impl Strategy<Value = Padding> {
    prop_oneof![
        Just(Padding::Valid),
        Just(Padding::Same),
        (0usize..3, 0usize..3, 0usize..3, 0usize..3)
            .prop_map(|(a, b, c, d)| Padding::Explicit([a, b, c, d])),
    ]
}

#[derive(Debug)]
struct Case {
    xd: [usize; 4],
    wd: [usize; 4],
    win: Window2d,
    x: Vec<f32>,
    w: Vec<f32>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..3,
        3usize..9,
        3usize..9,
        1usize..4,
        1usize..4,
        1usize..4,
        1usize..5,
        1usize..3,
        1usize..3,
        1usize..3,
        padding(),
    )
        .prop_flat_map(|(n, ih, iw, ic, kh, kw, oc, sh, sw, dil, padding)| {
            let xd = [n, ih, iw, ic];
            let wd = [kh, kw, ic, oc];
            let win = Window2d {
                strides: [sh, sw],
                dilations: [dil, 1],
                padding,
            };
            (
                Just(xd),
                Just(wd),
                Just(win),
                prop::collection::vec(-2.0f32..2.0, n * ih * iw * ic),
                prop::collection::vec(-2.0f32..2.0, kh * kw * ic * oc),
            )
        })
        .prop_map(|(xd, wd, win, x, w)| Case { xd, wd, win, x, w })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn conv2d_matches_naive(c in case()) {
        let x = Tensor::from_vec(c.xd, c.x.clone())?;
        let w = Tensor::from_vec(c.wd, c.w.clone())?;
        let mut o = Tensor::default();
        if conv2d(&x, &w, &c.win, &mut o).is_err() {
            return Ok(()); // window larger than the padded input
        }
        let g = conv_geom("t", &c.xd, &c.wd, &c.win)?;
        let want = naive(&c.x, c.xd, &c.w, c.wd, &g, false);
        prop_assert!(close(o.as_slice::<f32>()?, &want));
        // The portable path (taken on CPUs without AVX-512) agrees too.
        let mut portable = vec![0f32; want.len()];
        conv2d_portable(&c.x, &c.w, &g, &mut portable)?;
        prop_assert!(close(&portable, &want));
    }

    #[test]
    fn depthwise_matches_naive(c in case()) {
        let x = Tensor::from_vec(c.xd, c.x.clone())?;
        let w = Tensor::from_vec(c.wd, c.w.clone())?;
        let mut o = Tensor::default();
        if depthwise_conv2d(&x, &w, &c.win, &mut o).is_err() {
            return Ok(());
        }
        let g = conv_geom("t", &c.xd, &c.wd, &c.win)?;
        prop_assert!(close(o.as_slice::<f32>()?, &naive(&c.x, c.xd, &c.w, c.wd, &g, true)));
    }

    // <conv(x, w), dy> is bilinear: its gradients are checked through the identities
    // <dy, conv(x, w)> = <backprop_input(dy), x> = <backprop_filter(dy), w>.
    #[test]
    fn gradients_are_adjoint(c in case(), seed in 0u64..1000) {
        let x = Tensor::from_vec(c.xd, c.x.clone())?;
        let w = Tensor::from_vec(c.wd, c.w.clone())?;
        let mut y = Tensor::default();
        if conv2d(&x, &w, &c.win, &mut y).is_err() {
            return Ok(());
        }
        let dyv: Vec<f32> = (0..y.len()).map(|i| ((i as u64 * 7 + seed) % 11) as f32 / 5.0 - 1.0).collect();
        let dy = Tensor::from_vec(y.dims().to_vec(), dyv.clone())?;
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum::<f64>();
        let lhs = dot(&dyv, y.as_slice::<f32>()?);
        let sizes = |d: [usize; 4]| d.map(|v| v as i64);
        // Both the AVX-512 and the portable paths.
        for portable in [false, true] {
            crate::kernels::packed::FORCE_PORTABLE.store(portable, std::sync::atomic::Ordering::Relaxed);
            let (mut dx, mut dw) = (Tensor::default(), Tensor::default());
            let r1 = conv2d_backprop_input(&sizes(c.xd), &w, &dy, &c.win, &mut dx);
            let r2 = conv2d_backprop_filter(&x, &sizes(c.wd), &dy, &c.win, &mut dw);
            crate::kernels::packed::FORCE_PORTABLE.store(false, std::sync::atomic::Ordering::Relaxed);
            r1?;
            r2?;
            let tol = 1e-3 * (1.0 + lhs.abs());
            prop_assert!((dot(dx.as_slice::<f32>()?, &c.x) - lhs).abs() < tol);
            prop_assert!((dot(dw.as_slice::<f32>()?, &c.w) - lhs).abs() < tol);
        }
    }
}

#[test]
fn same_padding_puts_the_extra_after() -> Result<()> {
    // in 13, k 5, stride 2: out 7, total = 6·2 + 5 - 13 = 4 → 2 before.
    assert_eq!(output_size("t", 13, 5, 2, 1, &Padding::Same, 0)?, (7, 2));
    // in 17, k 4, stride 2: out 9, total = 16 + 4 - 17 = 3 → 1 before, 2 after.
    assert_eq!(output_size("t", 17, 4, 2, 1, &Padding::Same, 0)?, (9, 1));
    // dilation 2 makes a 3-window span 5: VALID on 17 gives 13.
    assert_eq!(output_size("t", 17, 3, 1, 2, &Padding::Valid, 0)?, (13, 0));
    assert!(output_size("t", 2, 3, 1, 1, &Padding::Valid, 0).is_err());
    assert!(output_size("t", 2, 3, 0, 1, &Padding::Same, 0).is_err());
    Ok(())
}

#[test]
fn bad_shapes_are_errors() -> Result<()> {
    let x = Tensor::zeros(crate::DType::Float32, [1usize, 4, 4, 2])?;
    let w = Tensor::zeros(crate::DType::Float32, [3usize, 3, 3, 1])?;
    let mut o = Tensor::default();
    let win = Window2d::new([1, 1], Padding::Same);
    assert!(matches!(
        conv2d(&x, &w, &win, &mut o),
        Err(Error::Shapes { .. })
    ));
    let huge = [1i64 << 40, 1 << 40, 1 << 40, 2];
    assert!(conv2d_backprop_input(&huge, &w, &o, &win, &mut o.clone()).is_err());
    Ok(())
}
