//! JPEG decoding through `zune-jpeg`, with TensorFlow's `DecodeJpeg` conventions.

use crate::convert::convert;
use crate::{check_size, DecodeOptions, Error, Format, Image, Pixels, Result};
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        format: Format::Jpeg,
        what: format!("Invalid JPEG data or crop window: {what}"),
    }
}

/// True when an end-of-image marker follows the last start-of-scan marker, i.e. the
/// entropy-coded data was not cut short. libjpeg-turbo only warns on a missing EOI and
/// pads with grey; TensorFlow turns that warning into an error, and so does cairn.
fn has_end_after_last_scan(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let last_eoi = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    matches!((last_sos, last_eoi), (Some(s), Some(e)) if e > s)
}

/// Decodes a JPEG to `u8` HWC pixels.
///
/// `channels` 0 keeps the encoded count (1 for greyscale, 3 for colour), 1 gives the
/// luminance, 3 gives RGB. The header is read first and the output size checked against
/// [`DecodeOptions::max_bytes`] before any pixel buffer is allocated.
pub fn decode_jpeg(bytes: &[u8], opts: &DecodeOptions) -> Result<Image> {
    if !matches!(opts.channels, 0 | 1 | 3) {
        return Err(Error::Channels {
            format: Format::Jpeg,
            channels: opts.channels,
        });
    }
    let base = DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .set_strict_mode(true);
    let mut header = JpegDecoder::new_with_options(bytes, base);
    header.decode_headers().map_err(corrupt)?;
    let info = header.info().ok_or_else(|| corrupt("no frame header"))?;
    let encoded = match info.components {
        1 => 1,
        3 => 3,
        n => {
            return Err(Error::Unsupported {
                format: Format::Jpeg,
                what: format!("{n} colour components (cairn decodes greyscale and YCbCr)"),
            })
        }
    };
    let channels = if opts.channels == 0 {
        encoded
    } else {
        opts.channels
    };
    let (width, height) = (usize::from(info.width), usize::from(info.height));
    check_size(Format::Jpeg, width, height, channels, 1, opts.max_bytes)?;
    if !has_end_after_last_scan(bytes) {
        return Err(corrupt(
            "the data ends before the end-of-image marker (truncated file)",
        ));
    }
    // Greyscale is decoded as it is and replicated afterwards if RGB is wanted.
    let (space, got) = if channels == 1 || encoded == 1 {
        (ColorSpace::Luma, 1)
    } else {
        (ColorSpace::RGB, 3)
    };
    let mut dec = JpegDecoder::new_with_options(bytes, base.jpeg_set_out_colorspace(space));
    let pixels = dec.decode().map_err(corrupt)?;
    if pixels.len() != width * height * got {
        return Err(corrupt(format!(
            "decoded {} bytes for a {width}x{height}x{got} image",
            pixels.len()
        )));
    }
    let pixels = convert(&pixels, got, channels, u8::MAX);
    Ok(Image {
        height,
        width,
        channels,
        pixels: Pixels::U8(pixels),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_marker_detection() {
        assert!(has_end_after_last_scan(&[0xFF, 0xDA, 1, 2, 0xFF, 0xD9]));
        assert!(!has_end_after_last_scan(&[0xFF, 0xDA, 1, 2]));
        assert!(!has_end_after_last_scan(&[0xFF, 0xD9, 0xFF, 0xDA, 1]));
    }

    #[test]
    fn garbage_is_an_error() {
        let r = decode_jpeg(&[0xFF, 0xD8, 0xFF, 0, 1, 2, 3], &DecodeOptions::default());
        assert!(matches!(r, Err(Error::Corrupt { .. })), "{r:?}");
    }

    #[test]
    fn bad_channel_count() {
        let r = decode_jpeg(&[0xFF, 0xD8], &DecodeOptions::with_channels(4));
        assert!(
            matches!(r, Err(Error::Channels { channels: 4, .. })),
            "{r:?}"
        );
    }
}
