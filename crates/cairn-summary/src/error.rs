//! The error type of `cairn-summary`.

use std::path::PathBuf;

/// Which part of a TFRecord a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The 8-byte little-endian length and its 4-byte masked CRC.
    Header,
    /// The record's data.
    Data,
    /// The 4-byte masked CRC of the data.
    Footer,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Header => "length header",
            Part::Data => "data",
            Part::Footer => "data CRC",
        })
    }
}

/// What went wrong reading or writing TFRecords or event files.
///
/// Every variant reading a file names the file (`<memory>` for in-memory input) and the
/// byte offset of the record it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused a read, write, create or flush.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file ends inside a record.
    #[error(
        "{}: record at offset {offset} is truncated in its {part}: needs {needed} more bytes, \
         {available} left",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Offset of the record's first byte.
        offset: u64,
        /// Where the file ends.
        part: Part,
        /// Bytes the record still needs (for the data: its claimed length).
        needed: u64,
        /// Bytes left in the file.
        available: u64,
    },
    /// A stored masked CRC that does not match the bytes it covers.
    #[error(
        "{}: record at offset {offset}: bad CRC of its {part} (stored {stored:#010x}, \
         computed {computed:#010x})",
        path.display()
    )]
    Crc {
        /// The file.
        path: PathBuf,
        /// Offset of the record's first byte.
        offset: u64,
        /// [`Part::Header`] (the length's CRC) or [`Part::Footer`] (the data's CRC).
        part: Part,
        /// The masked CRC in the file.
        stored: u32,
        /// The masked CRC of the bytes read.
        computed: u32,
    },
    /// A record whose data is not a `tensorflow.Event`.
    #[error("{}: record at offset {offset} is not an Event", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// Offset of the record's first byte.
        offset: u64,
        /// The protobuf decoder's error.
        #[source]
        source: cairn_proto::Error,
    },
    /// A directory that holds no `events.out.tfevents.*` file.
    #[error("{}: no events.out.tfevents.* file in it", dir.display())]
    NoEventFile {
        /// The directory searched.
        dir: PathBuf,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
