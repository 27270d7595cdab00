use super::*;
use proptest::prelude::*;

/// The textbook triple loop, in f64.
fn naive(a: &[f32], b: &[f32], d: MatmulDims) -> Vec<f64> {
    let mut c = vec![0f64; d.m * d.n];
    for i in 0..d.m {
        for j in 0..d.n {
            let mut s = 0f64;
            for p in 0..d.k {
                let x = if d.transpose_a {
                    a[p * d.m + i]
                } else {
                    a[i * d.k + p]
                };
                let y = if d.transpose_b {
                    b[j * d.k + p]
                } else {
                    b[p * d.n + j]
                };
                s += x as f64 * y as f64;
            }
            c[i * d.n + j] = s;
        }
    }
    c
}

fn close(got: &[f32], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(&g, &w)| (g as f64 - w).abs() <= 1e-5 * (1.0 + w.abs()) * 4.0)
}

fn dims(m: usize, k: usize, n: usize, ta: bool, tb: bool) -> MatmulDims {
    MatmulDims {
        m,
        k,
        n,
        transpose_a: ta,
        transpose_b: tb,
    }
}

/// Deterministic pseudo-random values with the given fraction (in 1/10) of zeros.
fn data(len: usize, zeros_in_10: u64, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = s >> 33;
            if r % 10 < zeros_in_10 {
                0.0
            } else {
                ((r % 2001) as f32 - 1000.0) / 500.0
            }
        })
        .collect()
}

#[test]
fn tensor_api_and_errors() -> Result<()> {
    let a = Tensor::from_vec([2usize, 3], vec![1f32, 2., 3., 4., 5., 6.])?;
    let b = Tensor::from_vec([3usize, 1], vec![1f32, 0., -1.])?;
    let mut c = Tensor::default();
    matmul(&a, &b, false, false, &mut c)?;
    assert_eq!(c.dims(), &[2, 1]);
    assert_eq!(c.as_slice::<f32>()?, &[-2., -2.]);
    matmul(&a, &a, false, true, &mut c)?;
    assert_eq!(c.as_slice::<f32>()?, &[14., 32., 32., 77.]);
    assert!(matches!(
        matmul(&a, &a, false, false, &mut c),
        Err(Error::Shapes { .. })
    ));
    let v = Tensor::from_vec([3usize], vec![1f32, 2., 3.])?;
    assert!(matches!(
        matmul(&a, &v, false, false, &mut c),
        Err(Error::Shapes { .. })
    ));
    let i = Tensor::from_vec([1usize, 1], vec![1i32])?;
    assert!(matches!(
        matmul(&i, &i, false, false, &mut c),
        Err(Error::Unsupported { .. })
    ));
    let d = Tensor::from_vec([2usize, 2], vec![1f64, 2., 3., 4.])?;
    matmul(&d, &d, true, false, &mut c)?;
    assert_eq!(c.as_slice::<f64>()?, &[10., 14., 14., 20.]);
    let e = Tensor::zeros(DType::Float32, [2usize, 0])?;
    let f = Tensor::zeros(DType::Float32, [0usize, 3])?;
    matmul(&e, &f, false, false, &mut c)?;
    assert_eq!(c.as_slice::<f32>()?, &[0.0; 6]);
    assert!(matmul_f32_slices(&[1.0], &[1.0], dims(2, 1, 1, false, false), &mut [0.0; 2]).is_err());
    Ok(())
}

#[test]
fn mnist_shapes_sparse_equals_dense_and_naive() -> Result<()> {
    // x [100, 784] with 80% zeros; h = x·W, gW = xᵀ·dh.
    let x = data(100 * 784, 8, 1);
    let w = data(784 * 64, 0, 2);
    let dh = data(100 * 64, 0, 3);
    let fwd = dims(100, 784, 64, false, false);
    let mut c = vec![0f32; 100 * 64];
    matmul_f32_slices(&x, &w, fwd, &mut c)?;
    assert!(close(&c, &naive(&x, &w, fwd)));
    let mut again = vec![1f32; 100 * 64];
    matmul_f32_slices(&x, &w, fwd, &mut again)?;
    assert_eq!(c, again);
    let bwd = dims(784, 100, 64, true, false);
    let mut g = vec![0f32; 784 * 64];
    matmul_f32_slices(&x, &dh, bwd, &mut g)?;
    assert!(close(&g, &naive(&x, &dh, bwd)));
    // The same product through the dense path (transposing B forces it).
    let mut w_t = vec![0f32; 784 * 64];
    for p in 0..784 {
        for j in 0..64 {
            w_t[j * 784 + p] = w[p * 64 + j];
        }
    }
    let mut dense_c = vec![0f32; 100 * 64];
    matmul_f32_slices(&x, &w_t, dims(100, 784, 64, false, true), &mut dense_c)?;
    assert!(close(&dense_c, &naive(&x, &w, fwd)));
    Ok(())
}

#[test]
fn parallel_results_do_not_depend_on_thread_count() -> Result<()> {
    let x = data(300 * 200, 7, 4);
    let w = data(200 * 150, 0, 5);
    for d in [
        dims(300, 200, 150, false, false),
        dims(200, 300, 150, true, false),
    ] {
        let b = if d.transpose_a {
            data(300 * 150, 0, 6)
        } else {
            w.clone()
        };
        let mut one = vec![0f32; d.m * d.n];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(|e| Error::Invalid {
                op: "test",
                what: e.to_string(),
            })?;
        pool.install(|| matmul_f32_slices(&x, &b, d, &mut one))?;
        let mut three = vec![0f32; d.m * d.n];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .map_err(|e| Error::Invalid {
                op: "test",
                what: e.to_string(),
            })?;
        pool.install(|| matmul_f32_slices(&x, &b, d, &mut three))?;
        assert_eq!(one, three);
        // Dense too: a fully dense A.
        let dense_a = data(d.m * d.k, 0, 7);
        pool.install(|| matmul_f32_slices(&dense_a, &b, d, &mut three))?;
        matmul_f32_slices(&dense_a, &b, d, &mut one)?;
        assert_eq!(one, three);
        assert!(close(&one, &naive(&dense_a, &b, d)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn matches_naive(m in 0usize..12, k in 0usize..12, n in 0usize..40, ta: bool, tb: bool,
                     zeros in 0u64..11, seed: u64) {
        let d = dims(m, k, n, ta, tb);
        let a = data(m * k, zeros, seed);
        let b = data(k * n, 2, seed ^ 0xabc);
        let mut c = vec![f32::NAN; m * n];
        matmul_f32_slices(&a, &b, d, &mut c).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(close(&c, &naive(&a, &b, d)));
        let (a64, b64): (Vec<f64>, Vec<f64>) =
            (a.iter().map(|&v| v as f64).collect(), b.iter().map(|&v| v as f64).collect());
        let mut c64 = vec![f64::NAN; m * n];
        matmul_f64_slices(&a64, &b64, d, &mut c64).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let want = naive(&a, &b, d);
        prop_assert!(c64.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 1e-9 * (1.0 + w.abs())));
    }
}

#[test]
fn matmul_sgd_l2_equals_the_separate_ops_bit_for_bit() -> crate::Result<()> {
    use crate::Tensor;
    // x: [batch 7, 90] mostly zeros; dh: [7, 70]; w: [90, 70] (the weight gradient xᵀ·dh).
    let x: Vec<f32> = (0..7 * 90)
        .map(|i| {
            if i % 5 == 0 {
                (i as f32 * 0.31).sin()
            } else {
                0.0
            }
        })
        .collect();
    let dh: Vec<f32> = (0..7 * 70).map(|i| (i as f32 * 0.17).cos()).collect();
    let w0: Vec<f32> = (0..90 * 70)
        .map(|i| (i as f32 * 0.07).sin() * 0.1)
        .collect();
    let x = Tensor::from_vec([7usize, 90], x)?;
    let dh = Tensor::from_vec([7usize, 70], dh)?;
    let (lr, c) = (Tensor::scalar(0.8f32), Tensor::scalar(1e-4f32));
    let mut fused = Tensor::from_vec([90usize, 70], w0.clone())?;
    let mut scratch = Tensor::default();
    crate::kernels::matmul_sgd_l2(&x, &dh, true, false, &mut fused, &lr, &c, &mut scratch)?;
    let mut separate = Tensor::from_vec([90usize, 70], w0)?;
    let mut g = Tensor::default();
    crate::kernels::matmul(&x, &dh, true, false, &mut g)?;
    crate::kernels::fused_sgd_sum(&mut separate, &lr, &g, None, Some(&c))?;
    let bits = |t: &Tensor| -> crate::Result<Vec<u32>> {
        Ok(t.as_slice::<f32>()?.iter().map(|v| v.to_bits()).collect())
    };
    assert_eq!(bits(&fused)?, bits(&separate)?);
    Ok(())
}

#[test]
fn avx512_shapes_match_naive_whatever_the_threads() -> Result<()> {
    // A batch-1 row vector (the column-split GEMV), odd sizes around the 12×32 blocks with
    // and without a transposed B, and Aᵀ·B.
    for d in [
        dims(1, 1280, 1000, false, false),
        dims(1, 300, 77, false, false),
        dims(37, 61, 45, false, true),
        dims(25, 300, 33, false, false),
        dims(61, 29, 70, true, false),
    ] {
        let a = data(d.m * d.k, 0, 11);
        let b = data(d.k * d.n, 0, 12);
        let want = naive(&a, &b, d);
        let mut outs = Vec::new();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::Invalid {
                    op: "test",
                    what: e.to_string(),
                })?;
            let mut c = vec![f32::NAN; d.m * d.n];
            pool.install(|| matmul_f32_slices(&a, &b, d, &mut c))?;
            assert!(close(&c, &want), "{d:?}");
            outs.push(c);
        }
        assert!(outs.windows(2).all(|w| w[0] == w[1]), "{d:?}");
    }
    Ok(())
}
