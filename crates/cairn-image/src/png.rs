//! PNG decoding through the `png` crate, with TensorFlow's `DecodePng` conventions.

use crate::convert::convert;
use crate::{check_size, DecodeOptions, Error, Format, Image, Pixels, Result};
use png::{BitDepth, ColorType, Transformations};

fn corrupt(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => Error::Corrupt {
            format: Format::Png,
            what: "decoding needs more memory than the limit allows".into(),
        },
        other => Error::Corrupt {
            format: Format::Png,
            what: other.to_string(),
        },
    }
}

/// Checks what the `png` crate (0.17) does not before it expands a palette: a `PLTE`
/// chunk must hold 1 to 256 RGB entries (a length that is a multiple of 3, at most 768).
/// Any other chunk problem is left to the decoder. (Found by fuzzing: a 4-byte `PLTE`
/// made `png` panic.)
fn check_palette(bytes: &[u8]) -> Result<()> {
    let mut pos: usize = 8;
    while let Some(header) = bytes.get(pos..pos.saturating_add(8)) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        if kind == b"PLTE" && (len == 0 || !len.is_multiple_of(3) || len > 768) {
            return Err(Error::Corrupt {
                format: Format::Png,
                what: format!(
                    "PLTE chunk of {len} bytes (it must hold 1 to 256 entries of 3 bytes)"
                ),
            });
        }
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        // Length, type, data, CRC.
        pos = match len.checked_add(12).and_then(|n| pos.checked_add(n)) {
            Some(p) => p,
            None => break,
        };
    }
    Ok(())
}

/// Decodes a PNG (8 or 16 bits; grey, grey+alpha, RGB, RGBA or palette) to HWC pixels.
///
/// Palettes and transparency chunks are expanded; bit depths below 8 are scaled to 8.
/// `channels` 0 keeps the expanded count; 1, 3 and 4 convert as libpng does. With
/// [`DecodeOptions::uint16`] the pixels are `u16` (8-bit samples × 257), otherwise `u8`
/// (16-bit samples keep their high byte, as libpng's `png_set_strip_16`).
pub fn decode_png(bytes: &[u8], opts: &DecodeOptions) -> Result<Image> {
    if !matches!(opts.channels, 0 | 1 | 3 | 4) {
        return Err(Error::Channels {
            format: Format::Png,
            channels: opts.channels,
        });
    }
    check_palette(bytes)?;
    let limits = png::Limits {
        bytes: opts.max_bytes,
    };
    let mut dec = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    dec.set_transformations(Transformations::EXPAND);
    let mut reader = dec.read_info().map_err(corrupt)?;
    let (width, height) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    let (colour, depth) = reader.output_color_type();
    let encoded = match colour {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => {
            return Err(Error::Unsupported {
                format: Format::Png,
                what: "an unexpanded palette".into(),
            })
        }
    };
    let channels = if opts.channels == 0 {
        encoded
    } else {
        opts.channels
    };
    let wide = depth == BitDepth::Sixteen;
    let sample = if wide { 2 } else { 1 };
    check_size(
        Format::Png,
        width,
        height,
        encoded.max(channels),
        sample,
        opts.max_bytes,
    )?;
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(corrupt)?;
    buf.truncate(frame.buffer_size());
    let expected = width * height * encoded * sample;
    if buf.len() != expected {
        return Err(Error::Corrupt {
            format: Format::Png,
            what: format!("decoded {} bytes, expected {expected}", buf.len()),
        });
    }
    let pixels = match (wide, opts.uint16) {
        (true, true) => {
            let v: Vec<u16> = buf
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Pixels::U16(convert(&v, encoded, channels, u16::MAX))
        }
        (true, false) => {
            let v: Vec<u8> = buf.chunks_exact(2).map(|c| c[0]).collect();
            Pixels::U8(convert(&v, encoded, channels, u8::MAX))
        }
        (false, true) => {
            let v: Vec<u16> = buf.iter().map(|&b| u16::from(b) * 257).collect();
            Pixels::U16(convert(&v, encoded, channels, u16::MAX))
        }
        (false, false) => Pixels::U8(convert(&buf, encoded, channels, u8::MAX)),
    };
    Ok(Image {
        height,
        width,
        channels,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 13, b'I', b'H']);
        let r = decode_png(&bytes, &DecodeOptions::default());
        assert!(matches!(r, Err(Error::Corrupt { .. })), "{r:?}");
    }
}
