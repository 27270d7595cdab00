//! Channel-count conversions (grey ⇄ RGB, alpha added or dropped), as libpng does them
//! for TensorFlow's `DecodePng` `channels` attribute.

/// Grey from RGB with libpng's default weights (6968, 23434, 2366) / 32768, rounded.
fn grey(r: u32, g: u32, b: u32) -> u32 {
    (r * 6968 + g * 23434 + b * 2366 + 16384) >> 15
}

/// Converts interleaved pixels of `from` channels to `to` channels (1 to 4 each);
/// `opaque` is the alpha value added when the source has none.
pub(crate) fn convert<T: Copy + Into<u32> + TryFrom<u32>>(
    px: &[T],
    from: usize,
    to: usize,
    opaque: T,
) -> Vec<T> {
    if from == to {
        return px.to_vec();
    }
    let n = px.len() / from.max(1);
    let mut out = Vec::with_capacity(n * to);
    let cast = |v: u32, fallback: T| T::try_from(v).unwrap_or(fallback);
    for p in px.chunks_exact(from) {
        let (colour, alpha): (&[T], Option<T>) = match from {
            1 => (&p[..1], None),
            2 => (&p[..1], Some(p[1])),
            3 => (&p[..3], None),
            _ => (&p[..3], Some(p[3])),
        };
        let luma = |c: &[T]| -> T {
            if c.len() == 1 {
                c[0]
            } else {
                cast(grey(c[0].into(), c[1].into(), c[2].into()), c[1])
            }
        };
        match to {
            1 => out.push(luma(colour)),
            2 => {
                out.push(luma(colour));
                out.push(alpha.unwrap_or(opaque));
            }
            3 | 4 => {
                if colour.len() == 1 {
                    out.extend_from_slice(&[colour[0]; 3]);
                } else {
                    out.extend_from_slice(colour);
                }
                if to == 4 {
                    out.push(alpha.unwrap_or(opaque));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::convert;

    #[test]
    fn grey_to_rgba_and_back() {
        let g = [10u8, 200];
        let rgba = convert(&g, 1, 4, 255);
        assert_eq!(rgba, [10, 10, 10, 255, 200, 200, 200, 255]);
        assert_eq!(convert(&rgba, 4, 1, 255), g);
        assert_eq!(convert(&rgba, 4, 3, 255), [10, 10, 10, 200, 200, 200]);
    }

    #[test]
    fn rgb_to_grey_weights_sum_to_one() {
        assert_eq!(convert(&[255u8, 255, 255], 3, 1, 255), [255]);
        assert_eq!(convert(&[65535u16, 65535, 65535], 3, 1, 65535), [65535]);
        assert_eq!(convert(&[0u8, 255, 0], 3, 1, 255), [182]);
    }
}
