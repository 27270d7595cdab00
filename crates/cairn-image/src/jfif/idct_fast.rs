//! The fast integer inverse DCT ("IFAST", Arai–Agui–Nakajima with 8-bit fixed-point
//! constants and truncating shifts): libjpeg's `JDCT_IFAST`, which TensorFlow's
//! `DecodeJpeg` uses unless `dct_method` is `INTEGER_ACCURATE`.
//!
//! TensorFlow's libjpeg-turbo runs the SIMD version of this transform, which computes in
//! 16-bit lanes: sums wrap modulo 2^16, products keep their high half (the inputs
//! scaled up by 4 and the constants by 64, so that `(x·4)·(c·64) >> 16 = x·c >> 8`), and
//! the outputs saturate to 0..=255. This file computes exactly that, so even extreme
//! blocks (black-and-white edges whose sums overflow 16 bits) give TensorFlow's samples.

const PASS1_BITS: u32 = 2;

// The constants × 2^8, pre-shifted by 6 for the high-half products; 2.613 does not fit
// and is applied as −1.613·x − x.
const F1_082: i32 = 277 << 6;
const F1_414: i32 = 362 << 6;
const F1_847: i32 = 473 << 6;
const MF1_613: i32 = -(413 << 6);

/// `x × c / 2^8` as the 16-bit SIMD code computes it.
#[inline]
fn mul(x: i16, c: i32) -> i16 {
    ((i32::from(x.wrapping_shl(2)) * c) >> 16) as i16
}

/// The AAN scale factors × 2^14: `s(u) × s(v)` with `s(0) = 1`, `s(k) = √2·cos(kπ/16)`.
fn aan_scale(k: usize) -> i64 {
    let s = |u: usize| {
        if u == 0 {
            1.0
        } else {
            std::f64::consts::SQRT_2 * (u as f64 * std::f64::consts::PI / 16.0).cos()
        }
    };
    (16384.0 * s(k / 8) * s(k % 8)).round() as i64
}

/// The dequantization multipliers of a quantization table (natural order): each entry
/// × its AAN scale, kept with 2 fraction bits (rounded), as 16-bit values.
pub fn multipliers(quant: &[u16; 64]) -> [i16; 64] {
    let mut m = [0i16; 64];
    for k in 0..64 {
        m[k] = ((i64::from(quant[k]) * aan_scale(k) + (1 << 11)) >> 12) as i16;
    }
    m
}

#[inline]
fn one_d(v: [i16; 8]) -> [i16; 8] {
    // Even part.
    let tmp10 = v[0].wrapping_add(v[4]);
    let tmp11 = v[0].wrapping_sub(v[4]);
    let tmp13 = v[2].wrapping_add(v[6]);
    let tmp12 = mul(v[2].wrapping_sub(v[6]), F1_414).wrapping_sub(tmp13);
    let t0 = tmp10.wrapping_add(tmp13);
    let t3 = tmp10.wrapping_sub(tmp13);
    let t1 = tmp11.wrapping_add(tmp12);
    let t2 = tmp11.wrapping_sub(tmp12);
    // Odd part.
    let z13 = v[5].wrapping_add(v[3]);
    let z10 = v[5].wrapping_sub(v[3]);
    let z11 = v[1].wrapping_add(v[7]);
    let z12 = v[1].wrapping_sub(v[7]);
    let t7 = z11.wrapping_add(z13);
    let tmp11 = mul(z11.wrapping_sub(z13), F1_414);
    let z5 = mul(z10.wrapping_add(z12), F1_847);
    let tmp10 = mul(z12, F1_082).wrapping_sub(z5);
    let tmp12 = mul(z10, MF1_613).wrapping_sub(z10).wrapping_add(z5);
    let t6 = tmp12.wrapping_sub(t7);
    let t5 = tmp11.wrapping_sub(t6);
    let t4 = tmp10.wrapping_add(t5);
    [
        t0.wrapping_add(t7),
        t1.wrapping_add(t6),
        t2.wrapping_add(t5),
        t3.wrapping_sub(t4),
        t3.wrapping_add(t4),
        t2.wrapping_sub(t5),
        t1.wrapping_sub(t6),
        t0.wrapping_sub(t7),
    ]
}

/// Inverse-transforms `coef` (natural order) with the [`multipliers`] `mult` into 8×8
/// samples at `out` (row stride `stride`).
pub fn idct_fast_block(coef: &[i16; 64], mult: &[i16; 64], out: &mut [u8], stride: usize) {
    let mut ws = [0i16; 64];
    for c in 0..8 {
        let q = |r: usize| coef[r * 8 + c].wrapping_mul(mult[r * 8 + c]);
        let o = one_d([q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7)]);
        for r in 0..8 {
            ws[r * 8 + c] = o[r];
        }
    }
    for r in 0..8 {
        let row = &ws[r * 8..r * 8 + 8];
        let dst = &mut out[r * stride..r * stride + 8];
        let o = one_d([
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
        ]);
        for (d, x) in dst.iter_mut().zip(o) {
            *d = ((x >> (PASS1_BITS + 3)).clamp(-128, 127) + 128) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aan_scales_as_libjpeg_tabulates_them() {
        let first_row = [16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520];
        for (k, want) in first_row.iter().enumerate() {
            assert_eq!(aan_scale(k), *want);
            assert_eq!(aan_scale(k * 8), *want);
        }
        assert_eq!(aan_scale(9), 31521);
        assert_eq!(aan_scale(63), 1247);
    }
}
