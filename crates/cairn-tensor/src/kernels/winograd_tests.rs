//! Winograd `F(2×2, 3×3)` against a naive float64 convolution (proptest).

use super::*;
use crate::kernels::conv::{Padding, Window2d};
use crate::kernels::conv_packed::{conv2d_prepacked, PackedFilter};
use crate::Tensor;
use proptest::prelude::*;

/// `act(conv(x, w) + bias)` by the definition, summed in float64.
fn naive(x: &Tensor, w: &Tensor, g: &ConvGeom, bias: &[f32], act: Activation) -> Result<Vec<f32>> {
    let (xs, ws) = (x.as_slice::<f32>()?, w.as_slice::<f32>()?);
    let (ic, oc) = (g.ic, g.oc);
    let mut out = Vec::with_capacity(g.n * g.positions() * oc);
    for b in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for o in 0..oc {
                    let mut s = f64::from(bias[o]);
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (Some(iy), Some(ix)) = (g.in_y(oy, ky), g.in_x(ox, kx)) else {
                                continue;
                            };
                            let xi = ((b * g.ih + iy) * g.iw + ix) * ic;
                            for c in 0..ic {
                                let wv = ws[((ky * 3 + kx) * ic + c) * oc + o];
                                s += f64::from(xs[xi + c]) * f64::from(wv);
                            }
                        }
                    }
                    let y = s as f32;
                    out.push(match act {
                        Activation::Identity => y,
                        Activation::Relu => y.max(0.0),
                        Activation::Relu6 => y.clamp(0.0, 6.0),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Runs the Winograd kernel directly and through `PackedFilter::for_window` (which takes
/// it only when it [`pays`]) and checks both against the definition.
fn check(dims: [usize; 4], oc: usize, padding: Padding, act: Activation, seed: u64) -> Result<()> {
    let ic = dims[3];
    let x = Tensor::from_vec(dims.to_vec(), values(dims.iter().product(), seed))?;
    let w = Tensor::from_vec(vec![3, 3, ic, oc], values(9 * ic * oc, seed + 1))?;
    let bias = values(oc, seed + 2);
    let win = Window2d::new([1, 1], padding);
    let packed = PackedFilter::for_window(&w, &win)?;
    let mut got = Tensor::default();
    conv2d_prepacked(&x, &packed, &win, Some((&bias, act)), &mut got)?;
    let g = ConvGeom::new("Conv2D", &dims, 3, 3, oc, &win)?;
    let want = naive(&x, &w, &g, &bias, act)?;
    assert_eq!(got.dims(), &g.out_dims()[..]);
    let wf = WinogradFilter::new(w.as_slice::<f32>()?, ic, oc)?;
    let mut direct = vec![f32::NAN; want.len()];
    conv2d_winograd(
        x.as_slice::<f32>()?,
        &wf,
        &g,
        Some((&bias, act)),
        &mut direct,
    )?;
    let scale = (9 * ic) as f32;
    let both = got.as_slice::<f32>()?.iter().chain(&direct);
    for (i, (a, b)) in both.zip(want.iter().cycle()).enumerate() {
        assert!(
            (a - b).abs() <= 1e-6 * scale * (1.0 + b.abs()),
            "at {i}: {a} vs {b} ({dims:?} -> {oc}, {:?})",
            win.padding
        );
    }
    Ok(())
}

#[test]
fn matches_naive_on_edge_shapes() -> Result<()> {
    // Odd and even sizes, 1×1 inputs, channels below, at and past one vector.
    check([1, 1, 1, 1], 1, Padding::Same, Activation::Identity, 1)?;
    check([1, 3, 3, 2], 3, Padding::Valid, Activation::Relu, 2)?;
    check([2, 7, 6, 17], 33, Padding::Same, Activation::Relu6, 3)?;
    check([1, 9, 12, 32], 40, Padding::Valid, Activation::Identity, 4)?;
    check(
        [3, 5, 8, 5],
        12,
        Padding::Explicit([2, 0, 1, 3]),
        Activation::Identity,
        5,
    )?;
    // Large enough for `PackedFilter` to take the Winograd path too.
    assert!(pays(&ConvGeom::new(
        "Conv2D",
        &[1, 15, 13, 19],
        3,
        3,
        1,
        &Window2d::new([1, 1], Padding::Same)
    )?));
    check([2, 15, 13, 19], 35, Padding::Same, Activation::Relu, 7)
}

#[test]
fn wide_rows_take_several_chunks() -> Result<()> {
    // 2 × (ic + oc) small: one block row of 150 blocks spans two chunks of 120.
    check([1, 3, 300, 1], 2, Padding::Same, Activation::Relu, 6)
}

#[test]
fn mismatched_filter_or_window_is_an_error() -> Result<()> {
    let wf = WinogradFilter::new(&values(9 * 2 * 3, 0), 2, 3)?;
    assert!(WinogradFilter::new(&values(10, 0), 2, 3).is_err());
    let x = values(4 * 4 * 2, 1);
    let mut o = vec![0.0; 4 * 4 * 3];
    let same = Window2d::new([1, 1], Padding::Same);
    let g = ConvGeom::new("Conv2D", &[1, 4, 4, 2], 3, 3, 3, &same)?;
    conv2d_winograd(&x, &wf, &g, None, &mut o)?;
    let strided = Window2d::new([2, 2], Padding::Same);
    let g2 = ConvGeom::new("Conv2D", &[1, 4, 4, 2], 3, 3, 3, &strided)?;
    assert!(conv2d_winograd(&x, &wf, &g2, None, &mut o).is_err());
    let g3 = ConvGeom::new("Conv2D", &[1, 4, 4, 2], 3, 3, 4, &same)?;
    assert!(conv2d_winograd(&x, &wf, &g3, None, &mut o).is_err());
    Ok(())
}

fn padding() -> impl Strategy<Value = Padding> {
    prop_oneof![
        Just(Padding::Same),
        Just(Padding::Valid),
        (0usize..3, 0usize..3, 0usize..3, 0usize..3)
            .prop_map(|(a, b, c, d)| Padding::Explicit([a, b, c, d])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn matches_naive(
        n in 1usize..3,
        h in 3usize..12,
        w in 3usize..12,
        ic in 1usize..21,
        oc in 1usize..37,
        padding in padding(),
        seed in 0u64..1000,
    ) {
        check([n, h, w, ic], oc, padding, Activation::Relu, seed)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}
