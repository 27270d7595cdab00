//! The accurate integer inverse DCT ("ISLOW", libjpeg's default and TensorFlow's), with
//! libjpeg's rounding and its range-limiting of the output samples.
//!
//! Written from the algorithm's description (Loeffler–Ligtenberg–Moschytz with 13-bit
//! fixed-point constants; two passes, the first keeping two extra fraction bits) so that
//! every sample equals libjpeg-turbo's SIMD build (16-bit dequantization and pass-1
//! results, saturated output).

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

// The constants of the algorithm, scaled by 2^13 and rounded.
const F0_298: i64 = 2446;
const F0_390: i64 = 3196;
const F0_541: i64 = 4433;
const F0_765: i64 = 6270;
const F0_899: i64 = 7373;
const F1_175: i64 = 9633;
const F1_501: i64 = 12299;
const F1_847: i64 = 15137;
const F1_961: i64 = 16069;
const F2_053: i64 = 16819;
const F2_562: i64 = 20995;
const F3_072: i64 = 25172;

/// One 1-D transform (64-bit arithmetic, as libjpeg's `JLONG`, so hostile coefficients
/// cannot overflow) of the eight values `v` (already dequantized / from pass 1), with
/// the even part's DC term shifted up by `CONST_BITS` as the algorithm does; returns the
/// eight outputs still scaled by 2^CONST_BITS.
#[inline]
fn butterfly(v: [i64; 8]) -> [i64; 8] {
    // Even part.
    let (z2, z3) = (v[2], v[6]);
    let z1 = (z2 + z3) * (F0_541);
    let tmp2 = z1 + z3 * (-F1_847);
    let tmp3 = z1 + z2 * (F0_765);
    let tmp0 = (v[0] + v[4]) << CONST_BITS;
    let tmp1 = (v[0] - v[4]) << CONST_BITS;
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    // Odd part.
    let (t0, t1, t2, t3) = (v[7], v[5], v[3], v[1]);
    let z1 = t0 + t3;
    let z2 = t1 + t2;
    let z3 = t0 + t2;
    let z4 = t1 + t3;
    let z5 = (z3 + z4) * (F1_175);
    let t0 = t0 * (F0_298);
    let t1 = t1 * (F2_053);
    let t2 = t2 * (F3_072);
    let t3 = t3 * (F1_501);
    let z1 = z1 * (-F0_899);
    let z2 = z2 * (-F2_562);
    let z3 = z3 * (-F1_961) + z5;
    let z4 = z4 * (-F0_390) + z5;
    let t0 = t0 + z1 + z3;
    let t1 = t1 + z2 + z4;
    let t2 = t2 + z2 + z3;
    let t3 = t3 + z1 + z4;
    [
        tmp10 + t3,
        tmp11 + t2,
        tmp12 + t1,
        tmp13 + t0,
        tmp13 - t0,
        tmp12 - t1,
        tmp11 - t2,
        tmp10 - t3,
    ]
}

/// `x + 128` clamped to 0..=255: the output stage of libjpeg-turbo's SIMD transforms,
/// which TensorFlow runs (packing with signed saturation).
#[inline]
pub(crate) fn saturate(x: i64) -> u8 {
    (x.clamp(-128, 127) + 128) as u8
}

/// The C code's output range limit: `x + 128` clamped to 0..=255 for |x| ≤ 512,
/// wrapping (modulo 1024) beyond, as its lookup table does (kept to document the
/// difference from [`saturate`]).
#[cfg(test)]
#[inline]
pub(crate) fn range_limit(x: i64) -> u8 {
    let m = x & 1023;
    match m {
        0..=127 => (m + 128) as u8,
        128..=511 => 255,
        512..=895 => 0,
        _ => (m - 896) as u8,
    }
}

/// Inverse-transforms the quantized coefficients `coef` (natural order) with the
/// quantization table `quant` (natural order) into 8×8 samples written at `out` with
/// row stride `stride`.
pub fn idct_block(coef: &[i16; 64], quant: &[u16; 64], out: &mut [u8], stride: usize) {
    let mut ws = [0i64; 64];
    // Pass 1: columns, dequantizing, results scaled up by 2^PASS1_BITS.
    for c in 0..8 {
        // Dequantized in 16 bits, as the SIMD code does.
        let q = |r: usize| i64::from(coef[r * 8 + c].wrapping_mul(quant[r * 8 + c] as i16));
        if (1..8).all(|r| coef[r * 8 + c] == 0) {
            let dc = i64::from((q(0) as i16).wrapping_shl(PASS1_BITS));
            for r in 0..8 {
                ws[r * 8 + c] = dc;
            }
            continue;
        }
        let v = [q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7)];
        let o = butterfly(v);
        let shift = CONST_BITS - PASS1_BITS;
        for r in 0..8 {
            ws[r * 8 + c] = ((o[r] + (1 << (shift - 1))) >> shift)
                .clamp(i64::from(i16::MIN), i64::from(i16::MAX));
        }
    }
    // Pass 2: rows, removing the scaling and the extra factor 8 of the 2-D transform.
    let shift = CONST_BITS + PASS1_BITS + 3;
    for r in 0..8 {
        let row = &ws[r * 8..r * 8 + 8];
        let dst = &mut out[r * stride..r * stride + 8];
        if row[1..].iter().all(|&x| x == 0) {
            let v = saturate((row[0] + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
            dst.fill(v);
            continue;
        }
        let mut v = [
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
        ];
        // Rounding for the final shift, folded into the DC term.
        v[0] += 1 << (PASS1_BITS + 2);
        let o = butterfly(v);
        for (d, x) in dst.iter_mut().zip(o) {
            *d = saturate(x >> shift);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IDCT by its definition, in f64.
    fn reference(coef: &[i16; 64], quant: &[u16; 64]) -> [f64; 64] {
        let mut out = [0f64; 64];
        let c = |u: usize| {
            if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            }
        };
        for y in 0..8 {
            for x in 0..8 {
                let mut s = 0.0;
                for v in 0..8 {
                    for u in 0..8 {
                        let f = f64::from(coef[v * 8 + u]) * f64::from(quant[v * 8 + u]);
                        s += c(u)
                            * c(v)
                            * f
                            * (((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI) / 16.0).cos()
                            * (((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI) / 16.0).cos();
                    }
                }
                out[y * 8 + x] = s / 4.0 + 128.0;
            }
        }
        out
    }

    #[test]
    fn close_to_the_exact_transform() {
        let mut seed = 12345u32;
        let mut rnd = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as i32
        };
        for _ in 0..200 {
            let mut coef = [0i16; 64];
            let mut quant = [1u16; 64];
            for k in 0..64 {
                quant[k] = (1 + rnd() % 8) as u16;
                if k < 10 || rnd() % 4 == 0 {
                    coef[k] = ((rnd() % 41) - 20) as i16;
                }
            }
            let want = reference(&coef, &quant);
            let mut got = [0u8; 64];
            idct_block(&coef, &quant, &mut got, 8);
            for (g, w) in got.iter().zip(want) {
                let w = w.round().clamp(0.0, 255.0);
                assert!((f64::from(*g) - w).abs() <= 1.0, "{g} vs {w}");
            }
        }
    }

    #[test]
    fn flat_blocks_and_the_range_limit() {
        let quant = [1u16; 64];
        let mut coef = [0i16; 64];
        let mut out = [0u8; 64];
        coef[0] = 80; // 80 / 8 = +10
        idct_block(&coef, &quant, &mut out, 8);
        assert!(out.iter().all(|&v| v == 138));
        coef[0] = -2000;
        idct_block(&coef, &quant, &mut out, 8);
        assert!(out.iter().all(|&v| v == 0));
        assert_eq!(range_limit(-129), 0);
        assert_eq!(range_limit(127), 255);
        assert_eq!(range_limit(-128), 0);
        assert_eq!(range_limit(0), 128);
        assert_eq!(range_limit(600), 0); // the C table wraps…
        assert_eq!(saturate(600), 255); // …the SIMD code TensorFlow runs saturates
    }
}
