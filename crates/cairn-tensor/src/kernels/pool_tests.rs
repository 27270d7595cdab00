//! Pooling kernels against naive loops (proptest) and small closed forms.

use super::*;
use crate::kernels::conv::Padding;
use proptest::prelude::*;

/// Naive pooling with signed coordinates: (max, avg) outputs and the max-pool gradient of
/// `dy` (first maximum in scan order).
fn naive(x: &[f32], d: [usize; 4], p: &Pool2d, dy: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let [n, ih, iw, c] = d;
    let g = geom("t", &d, p).expect("valid geometry");
    let (mut mx, mut av, mut dx) = (vec![], vec![], vec![0f32; x.len()]);
    for b in 0..n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for ch in 0..c {
                    let (mut m, mut arg, mut s, mut cnt) = (f32::NEG_INFINITY, None, 0f32, 0);
                    for ky in 0..g.kh {
                        for kx in 0..g.kw {
                            let iy = (oy * g.s[0] + ky) as i64 - g.pad[0] as i64;
                            let ix = (ox * g.s[1] + kx) as i64 - g.pad[1] as i64;
                            if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                continue;
                            }
                            let i = ((b * ih + iy as usize) * iw + ix as usize) * c + ch;
                            if arg.is_none() || x[i] > m {
                                m = x[i];
                                arg = Some(i);
                            }
                            s += x[i];
                            cnt += 1;
                        }
                    }
                    let o = ((b * g.oh + oy) * g.ow + ox) * c + ch;
                    if let Some(a) = arg {
                        dx[a] += dy[o];
                    }
                    mx.push(m);
                    av.push(s / cnt as f32);
                }
            }
        }
    }
    (mx, av, dx)
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-4 * (1.0 + y.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pools_match_naive(
        n in 1usize..3, ih in 1usize..9, iw in 1usize..9, c in 1usize..4,
        kh in 1usize..4, kw in 1usize..4, sh in 1usize..3, sw in 1usize..3, same in any::<bool>(),
        seed in 0u32..1000,
    ) {
        let d = [n, ih, iw, c];
        // Few distinct values so that ties (and the tie rule) happen.
        let xv: Vec<f32> = (0..n * ih * iw * c).map(|i| (((i as u32).wrapping_mul(2654435761u32) ^ seed) % 5) as f32).collect();
        let padding = if same { Padding::Same } else { Padding::Valid };
        let p = Pool2d { ksize: [kh, kw], window: Window2d::new([sh, sw], padding) };
        let x = Tensor::from_vec(d, xv.clone())?;
        let mut mx = Tensor::default();
        if max_pool(&x, &p, &mut mx).is_err() {
            return Ok(()); // VALID window larger than the input
        }
        let dyv: Vec<f32> = (0..mx.len()).map(|i| i as f32 * 0.5 - 1.0).collect();
        let (nm, na, ndx) = naive(&xv, d, &p, &dyv);
        prop_assert!(close(mx.as_slice::<f32>()?, &nm));
        let mut av = Tensor::default();
        avg_pool(&x, &p, &mut av)?;
        prop_assert!(close(av.as_slice::<f32>()?, &na));
        let dy = Tensor::from_vec(mx.dims().to_vec(), dyv.clone())?;
        let mut dx = Tensor::default();
        max_pool_grad(&x, &dy, &p, &mut dx)?;
        prop_assert!(close(dx.as_slice::<f32>()?, &ndx));
        // AvgPoolGrad is the adjoint of AvgPool: <dy, avg(x)> = <avg_grad(dy), x>.
        avg_pool_grad(&d.map(|v| v as i64), &dy, &p, &mut dx)?;
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum::<f64>();
        let lhs = dot(&dyv, av.as_slice::<f32>()?);
        prop_assert!((dot(dx.as_slice::<f32>()?, &xv) - lhs).abs() < 1e-3 * (1.0 + lhs.abs()));
    }
}

// AvgPool SAME at the border: a 3×3 window over a 2×2 input of ones and twos, stride 2,
// sees only the 4 valid cells, so the mean is (1+2+1+2)/4 = 1.5 (not 6/9).
#[test]
fn avg_pool_same_divides_by_valid_count() -> Result<()> {
    let x = Tensor::from_vec([1usize, 2, 2, 1], vec![1f32, 2., 1., 2.])?;
    let p = Pool2d {
        ksize: [3, 3],
        window: Window2d::new([2, 2], Padding::Same),
    };
    let mut o = Tensor::default();
    avg_pool(&x, &p, &mut o)?;
    assert_eq!(o.as_slice::<f32>()?, &[1.5]);
    Ok(())
}

#[test]
fn max_pool_relu_grad_is_relu_grad_of_max_pool_grad() -> Result<()> {
    // A ReLU output: about a third zeros, with ties; 8×6 is tiled by 2×2 windows (the
    // one-pass path), 7×6 is not.
    for (dims, p) in [
        (
            [3usize, 8, 6, 37],
            Pool2d {
                ksize: [2, 2],
                window: Window2d::new([2, 2], Padding::Same),
            },
        ),
        (
            [3usize, 7, 6, 5],
            Pool2d {
                ksize: [2, 2],
                window: Window2d::new([2, 2], Padding::Same),
            },
        ),
        (
            [3usize, 7, 6, 5],
            Pool2d {
                ksize: [3, 2],
                window: Window2d::new([1, 2], Padding::Valid),
            },
        ),
    ] {
        let n: usize = dims.iter().product();
        let rv: Vec<f32> = (0..n)
            .map(|i| (((i * 7) % 11) as f32 - 3.0).max(0.0))
            .collect();
        let r = Tensor::from_vec(dims.to_vec(), rv.clone())?;
        let mut y = Tensor::default();
        max_pool(&r, &p, &mut y)?;
        let dy: Vec<f32> = (0..y.len()).map(|i| i as f32 * 0.25 - 3.0).collect();
        let dy = Tensor::from_vec(y.dims().to_vec(), dy)?;
        let (mut mpg, mut want, mut got) =
            (Tensor::default(), Tensor::default(), Tensor::default());
        max_pool_grad(&r, &dy, &p, &mut mpg)?;
        let (_, _, want_mpg) = naive(&rv, dims, &p, dy.as_slice::<f32>()?);
        assert_eq!(mpg.as_slice::<f32>()?, &want_mpg[..]);
        crate::kernels::relu_grad(&mpg, &r, &mut want)?;
        max_pool_relu_grad(&r, &dy, &p, &mut got)?;
        assert_eq!(got.dims(), want.dims());
        assert_eq!(got.as_slice::<f32>()?, want.as_slice::<f32>()?);
    }
    Ok(())
}
