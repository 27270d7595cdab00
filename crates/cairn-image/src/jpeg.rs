//! JPEG decoding with TensorFlow's `DecodeJpeg` conventions, through cairn's own decoder
//! (the `jfif` module).

use crate::convert::convert;
use crate::jfif;
use crate::{check_size, DctMethod, DecodeOptions, Error, Format, Image, Pixels, Result};

/// Decodes a JPEG to `u8` HWC pixels.
///
/// `channels` 0 keeps the encoded count (1 for greyscale, 3 for colour), 1 gives the
/// luminance, 3 gives RGB. The frame header is read first and the output size (and the
/// decoder's working memory) checked against [`DecodeOptions::max_bytes`] before any
/// buffer is allocated. Data that end early (no end-of-image marker, fewer MCUs than the
/// frame needs) are an error, as TensorFlow makes them.
pub fn decode_jpeg(bytes: &[u8], opts: &DecodeOptions) -> Result<Image> {
    if !matches!(opts.channels, 0 | 1 | 3) {
        return Err(Error::Channels {
            format: Format::Jpeg,
            channels: opts.channels,
        });
    }
    let decoded = jfif::decode(
        bytes,
        opts.channels == 1,
        opts.dct == DctMethod::Fast,
        opts.channels,
        opts.max_bytes,
    )?;
    let channels = if opts.channels == 0 {
        decoded.channels
    } else {
        opts.channels
    };
    let (width, height) = (decoded.width, decoded.height);
    check_size(Format::Jpeg, width, height, channels, 1, opts.max_bytes)?;
    let pixels = if channels == decoded.channels {
        decoded.pixels
    } else {
        convert(&decoded.pixels, decoded.channels, channels, u8::MAX)
    };
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
