//! The error type of `cairn-image`.

use crate::Format;

/// What went wrong decoding an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes start with no signature cairn knows (JPEG `FF D8 FF`, PNG `89 50 4E 47`).
    #[error("unknown image format (first bytes {head:02x?}); cairn decodes JPEG and PNG")]
    UnknownFormat {
        /// Up to the first 8 bytes.
        head: Vec<u8>,
    },
    /// The header or the compressed data is invalid or cut short.
    #[error("{format}: {what}")]
    Corrupt {
        /// The format being decoded.
        format: Format,
        /// What is wrong.
        what: String,
    },
    /// A valid image using something cairn does not decode (CMYK JPEG, interlaced frames
    /// of an animation, a bit depth the caller did not ask for, ...).
    #[error("{format}: unsupported: {what}")]
    Unsupported {
        /// The format being decoded.
        format: Format,
        /// What is not supported.
        what: String,
    },
    /// The decoded pixels would need more memory than the limit allows.
    #[error(
        "{format}: a {width}x{height} image with {channels} channels needs {bytes} bytes, over \
         the limit of {limit} bytes"
    )]
    TooLarge {
        /// The format being decoded.
        format: Format,
        /// Width from the header.
        width: usize,
        /// Height from the header.
        height: usize,
        /// Output channels.
        channels: usize,
        /// Bytes needed (`usize::MAX` when the product overflows).
        bytes: usize,
        /// The limit in force ([`DecodeOptions::max_bytes`](crate::DecodeOptions)).
        limit: usize,
    },
    /// A channel count other than 0 (as encoded), 1, 3 or 4, or one the format cannot give.
    #[error("{format}: cannot produce {channels} channels (use 0, 1, 3{})", if *.format == Format::Png { " or 4" } else { "" })]
    Channels {
        /// The format being decoded.
        format: Format,
        /// The channel count asked for.
        channels: usize,
    },
    /// A tensor error while wrapping the pixels.
    #[error(transparent)]
    Tensor(#[from] cairn_tensor::Error),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
