//! Image decoding for cairn: JPEG and PNG bytes to height × width × channels pixels, as
//! TensorFlow's `DecodeJpeg` and `DecodePng` produce them.
//!
//! - [`decode`] sniffs the format ([`Format`]) and dispatches to [`decode_jpeg`] or
//!   [`decode_png`], both configured by [`DecodeOptions`] (channels, 16-bit output, a
//!   memory limit).
//! - [`Image`] holds the pixels ([`Pixels`]: `u8` or `u16`, interleaved HWC) and becomes a
//!   `cairn_tensor::Tensor` of shape `[height, width, channels]` with [`Image::into_tensor`].
//! - [`Error`]: the one error type. Bad bytes never panic: the header is read first and
//!   `width × height × channels` checked (with checked arithmetic) against
//!   [`DecodeOptions::max_bytes`] before any pixel buffer is allocated; truncated or
//!   corrupt data is an error, as in TensorFlow.
//!
//! JPEG pixels come from cairn's own decoder (baseline and progressive Huffman JPEGs,
//! restart intervals, any sampling factors), which reproduces libjpeg-turbo as TensorFlow
//! uses it: the fast integer IDCT by default or the accurate one ([`DctMethod`]), "fancy"
//! chroma upsampling, fixed-point YCbCr → RGB. On every fixture (TensorFlow 2.21's
//! `DecodeJpeg` output committed in `fixtures/jpeg/`) the pixels are identical.
//!
//! ```
//! use cairn_image::{decode, DecodeOptions, Format};
//! # fn main() -> Result<(), cairn_image::Error> {
//! // A 2x1 greyscale PNG: pixels 0 and 200.
//! let png: &[u8] = &[
//!     137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 1,
//!     8, 0, 0, 0, 0, 209, 73, 32, 86, 0, 0, 0, 11, 73, 68, 65, 84, 120, 156, 99, 96, 56, 1,
//!     0, 0, 203, 0, 201, 105, 200, 195, 108, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
//! ];
//! assert_eq!(cairn_image::sniff(png), Some(Format::Png));
//! let rgb = decode(png, &DecodeOptions::with_channels(3))?;
//! assert_eq!((rgb.height, rgb.width, rgb.channels), (1, 2, 3));
//! let t = rgb.into_tensor()?;
//! assert_eq!(t.dims(), &[1, 2, 3]);
//! assert_eq!(t.as_slice::<u8>()?, &[0, 0, 0, 200, 200, 200]);
//!
//! // Cut short: an error, never a panic.
//! assert!(decode(&png[..40], &DecodeOptions::default()).is_err());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod convert;
mod error;
mod jfif;
mod jpeg;
mod png;

pub use error::{Error, Result};
pub use jpeg::decode_jpeg;
pub use png::decode_png;

use cairn_tensor::Tensor;

/// An image file format cairn decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JPEG (JFIF/EXIF), baseline or progressive.
    Jpeg,
    /// PNG.
    Png,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
        })
    }
}

/// How to decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Output channels: 0 as encoded, 1 grey, 3 RGB, 4 RGBA (PNG only), as TensorFlow's
    /// `channels` attribute.
    pub channels: usize,
    /// PNG only: `u16` output (TensorFlow's `dtype: uint16`) instead of `u8`.
    pub uint16: bool,
    /// The most bytes the decoded pixels may take; larger images are refused with
    /// [`Error::TooLarge`] before anything is allocated. Default [`DEFAULT_MAX_BYTES`].
    pub max_bytes: usize,
    /// JPEG only: the inverse DCT (TensorFlow's `dct_method`).
    pub dct: DctMethod,
}

/// The JPEG inverse DCT, as TensorFlow's `DecodeJpeg` attribute `dct_method` picks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DctMethod {
    /// libjpeg's `JDCT_IFAST` (`""` and `"INTEGER_FAST"`: TensorFlow's default).
    #[default]
    Fast,
    /// libjpeg's `JDCT_ISLOW` (`"INTEGER_ACCURATE"`).
    Accurate,
}

/// The default pixel-memory limit: 1 GiB.
pub const DEFAULT_MAX_BYTES: usize = 1 << 30;

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            channels: 0,
            uint16: false,
            max_bytes: DEFAULT_MAX_BYTES,
            dct: DctMethod::Fast,
        }
    }
}

impl DecodeOptions {
    /// The defaults with `channels` output channels.
    pub fn with_channels(channels: usize) -> DecodeOptions {
        DecodeOptions {
            channels,
            ..DecodeOptions::default()
        }
    }
}

/// Decoded samples, interleaved in height × width × channels order.
#[derive(Clone, Debug, PartialEq)]
pub enum Pixels {
    /// 8-bit samples.
    U8(Vec<u8>),
    /// 16-bit samples.
    U16(Vec<u16>),
}

/// A decoded image.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Samples per pixel.
    pub channels: usize,
    /// The samples.
    pub pixels: Pixels,
}

impl Image {
    /// A `[height, width, channels]` tensor (uint8 or uint16).
    pub fn into_tensor(self) -> Result<Tensor> {
        let dims = [self.height, self.width, self.channels];
        Ok(match self.pixels {
            Pixels::U8(v) => Tensor::from_vec(dims, v)?,
            Pixels::U16(v) => Tensor::from_vec(dims, v)?,
        })
    }
}

/// The format of `bytes` from its signature.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else {
        None
    }
}

/// Decodes JPEG or PNG bytes, recognised by their signature.
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Image> {
    match sniff(bytes) {
        Some(Format::Jpeg) => decode_jpeg(bytes, opts),
        Some(Format::Png) => decode_png(bytes, opts),
        None => Err(Error::UnknownFormat {
            head: bytes.iter().take(8).copied().collect(),
        }),
    }
}

/// Refuses images whose `width × height × channels × sample` bytes exceed `limit` or
/// overflow, and empty images.
pub(crate) fn check_size(
    format: Format,
    width: usize,
    height: usize,
    channels: usize,
    sample: usize,
    limit: usize,
) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::Corrupt {
            format,
            what: format!("the header declares an empty {width}x{height} image"),
        });
    }
    let bytes = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .and_then(|n| n.checked_mul(sample));
    match bytes {
        Some(b) if b <= limit => Ok(()),
        b => Err(Error::TooLarge {
            format,
            width,
            height,
            channels,
            bytes: b.unwrap_or(usize::MAX),
            limit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_limit() {
        assert!(check_size(Format::Jpeg, 2, 2, 3, 1, 12).is_ok());
        let e = check_size(Format::Jpeg, 20000, 20000, 3, 1, 1 << 30);
        assert!(
            matches!(
                e,
                Err(Error::TooLarge {
                    bytes: 1_200_000_000,
                    ..
                })
            ),
            "{e:?}"
        );
        let e = check_size(Format::Png, usize::MAX, 2, 3, 1, 1 << 30);
        assert!(
            matches!(
                e,
                Err(Error::TooLarge {
                    bytes: usize::MAX,
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(check_size(Format::Png, 0, 2, 3, 1, 1 << 30).is_err());
    }

    #[test]
    fn unknown_format() {
        let e = decode(b"GIF89a", &DecodeOptions::default());
        assert!(matches!(e, Err(Error::UnknownFormat { .. })), "{e:?}");
    }
}
