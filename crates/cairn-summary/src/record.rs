//! TFRecord framing: `u64` little-endian length, masked CRC32C of those 8 bytes, the data,
//! masked CRC32C of the data (`tensorflow/core/lib/io/record_writer.h`).

use crate::crc::masked_crc;
use crate::error::{Error, Part, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bytes of framing before a record's data: the length and its CRC.
pub const HEADER_LEN: usize = 12;
/// Bytes of framing after a record's data: the data's CRC.
pub const FOOTER_LEN: usize = 4;

/// The 12-byte header of a record: its data length and the masked CRC of that length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Length of the data in bytes.
    pub len: u64,
    /// Masked CRC32C of the 8 length bytes, as stored.
    pub len_crc: u32,
}

impl RecordHeader {
    /// The header of a record holding `len` bytes, with its correct CRC.
    pub fn new(len: u64) -> RecordHeader {
        RecordHeader {
            len,
            len_crc: masked_crc(&len.to_le_bytes()),
        }
    }

    /// The 12 bytes on disk.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&self.len.to_le_bytes());
        out[8..].copy_from_slice(&self.len_crc.to_le_bytes());
        out
    }

    /// Reads the 12 bytes on disk; nothing is checked.
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> RecordHeader {
        let (len, crc) = bytes.split_at(8);
        RecordHeader {
            len: u64::from_le_bytes(len.try_into().unwrap_or([0; 8])),
            len_crc: u32::from_le_bytes(crc.try_into().unwrap_or([0; 4])),
        }
    }

    /// The CRC the length should have.
    pub fn expected_crc(&self) -> u32 {
        masked_crc(&self.len.to_le_bytes())
    }
}

/// Appends one framed record holding `data` to `out`.
pub fn encode_record(data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&RecordHeader::new(data.len() as u64).encode());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// Writes framed records to any [`Write`]; `path` only names the target in errors.
pub struct RecordWriter<W: Write> {
    inner: W,
    path: PathBuf,
    buf: Vec<u8>,
}

impl<W: Write> RecordWriter<W> {
    /// A writer appending records to `inner`.
    pub fn new(inner: W, path: impl Into<PathBuf>) -> RecordWriter<W> {
        RecordWriter {
            inner,
            path: path.into(),
            buf: Vec::new(),
        }
    }

    /// Writes one record (one `write_all` of the framed bytes).
    pub fn write_record(&mut self, data: &[u8]) -> Result<()> {
        self.buf.clear();
        encode_record(data, &mut self.buf);
        self.inner.write_all(&self.buf).map_err(|e| self.io(e))
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| self.io(e))
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives the underlying writer back.
    pub fn into_inner(self) -> W {
        self.inner
    }

    fn io(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// An iterator over the records of in-memory TFRecord bytes, checking both CRCs of each.
///
/// Yields `(offset, data)` pairs; after the first error it yields nothing more. A claimed
/// length is compared with the bytes actually left before anything is sliced, so hostile
/// lengths cost nothing.
pub struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    failed: bool,
}

impl<'a> Records<'a> {
    /// Records of `bytes`, which came from `path` (named in errors).
    pub fn new(bytes: &'a [u8], path: &'a Path) -> Records<'a> {
        Records {
            bytes,
            pos: 0,
            path,
            failed: false,
        }
    }

    fn truncated(&self, part: Part, needed: u64, available: usize) -> Error {
        Error::Truncated {
            path: self.path.to_path_buf(),
            offset: self.pos as u64,
            part,
            needed,
            available: available as u64,
        }
    }

    fn crc(&self, part: Part, stored: u32, computed: u32) -> Error {
        Error::Crc {
            path: self.path.to_path_buf(),
            offset: self.pos as u64,
            part,
            stored,
            computed,
        }
    }

    fn next_record(&mut self) -> Result<(u64, &'a [u8])> {
        let rest = &self.bytes[self.pos..];
        let Some((head, rest)) = rest.split_first_chunk::<HEADER_LEN>() else {
            return Err(self.truncated(Part::Header, HEADER_LEN as u64, rest.len()));
        };
        let header = RecordHeader::decode(head);
        let expected = header.expected_crc();
        if header.len_crc != expected {
            return Err(self.crc(Part::Header, header.len_crc, expected));
        }
        let len = match usize::try_from(header.len) {
            Ok(n) if n <= rest.len() => n,
            _ => return Err(self.truncated(Part::Data, header.len, rest.len())),
        };
        let (data, rest) = rest.split_at(len);
        let Some((foot, _)) = rest.split_first_chunk::<FOOTER_LEN>() else {
            return Err(self.truncated(Part::Footer, FOOTER_LEN as u64, rest.len()));
        };
        let stored = u32::from_le_bytes(*foot);
        let computed = masked_crc(data);
        if stored != computed {
            return Err(self.crc(Part::Footer, stored, computed));
        }
        let offset = self.pos as u64;
        self.pos += HEADER_LEN + len + FOOTER_LEN;
        Ok((offset, data))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(u64, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.bytes.len() {
            return None;
        }
        let r = self.next_record();
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = RecordHeader::new(12345);
        assert_eq!(RecordHeader::decode(&h.encode()), h);
        assert_eq!(h.expected_crc(), h.len_crc);
    }

    #[test]
    fn empty_record_is_16_bytes_and_reads_back() -> Result<()> {
        let mut bytes = Vec::new();
        encode_record(b"", &mut bytes);
        assert_eq!(bytes.len(), HEADER_LEN + FOOTER_LEN);
        let got: Vec<_> = Records::new(&bytes, Path::new("x")).collect::<Result<_>>()?;
        assert_eq!(got, vec![(0, &b""[..])]);
        Ok(())
    }

    #[test]
    fn huge_claimed_length_is_truncation_not_allocation() {
        let mut bytes = RecordHeader::new(u64::MAX).encode().to_vec();
        bytes.extend_from_slice(&[0; 10]);
        let r = Records::new(&bytes, Path::new("f")).next();
        assert!(matches!(
            r,
            Some(Err(Error::Truncated {
                part: Part::Data,
                needed: u64::MAX,
                available: 10,
                ..
            }))
        ));
    }
}
