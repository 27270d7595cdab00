//! [`Shard`]: one open data file, memory-mapped (opt-in) or read on demand.

use super::raw::CHUNK;
use crate::{Error, Result};
use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug)]
enum Source {
    Mapped(memmap2::Mmap),
    /// Read with positioned reads (`pread`), so several threads can read one file at once.
    File(File),
}

/// Fills `buf` from `file` at `offset` without moving a shared cursor.
#[cfg(unix)]
fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset` without moving a shared cursor.
#[cfg(windows)]
fn read_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An open data file.
#[derive(Debug)]
pub struct Shard {
    path: PathBuf,
    len: u64,
    source: Source,
}

/// Maps `file` read-only.
#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this process. Its contents change only
    // if another process modifies or truncates the file while we hold it, which the
    // caller accepted by opting in to `ReadOptions::mmap` (checkpoint files are written
    // under temporary names and renamed into place, never rewritten in place, by both
    // TensorFlow and cairn). Every access is bounds-checked against the length taken
    // at open time.
    unsafe { memmap2::Mmap::map(file) }
}

impl Shard {
    /// Opens `path`; a missing file is [`Error::MissingFile`]. With `mmap`, maps it,
    /// falling back to reads if mapping fails.
    pub fn open(path: &Path, mmap: bool, prefix: &Path) -> Result<Shard> {
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::MissingFile {
                path: path.to_path_buf(),
                context: format!("data shard of checkpoint {}", prefix.display()),
            },
            _ => Error::io(path, e),
        })?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let source = match mmap.then(|| map(&file)) {
            Some(Ok(m)) if m.len() as u64 == len => Source::Mapped(m),
            _ => Source::File(file),
        };
        Ok(Shard {
            path: path.to_path_buf(),
            len,
            source,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True if the file is memory-mapped.
    pub fn is_mapped(&self) -> bool {
        matches!(self.source, Source::Mapped(_))
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The end of the `size` bytes at `offset`, if they lie inside the file.
    fn end(&self, offset: u64, size: u64) -> Result<u64> {
        offset
            .checked_add(size)
            .filter(|e| *e <= self.len)
            .ok_or_else(|| {
                Error::corrupt(
                    &self.path,
                    offset,
                    format!("{size} bytes past the end of the file"),
                )
            })
    }

    /// Fills `out` with the bytes at `offset`, returning their CRC32C (unmasked), computed
    /// piece by piece as they arrive. No intermediate buffer: from the map, or by `read`
    /// straight into `out`.
    pub fn read_into(&self, offset: u64, out: &mut [u8]) -> Result<u32> {
        let end = self.end(offset, out.len() as u64)?;
        let mut crc = 0;
        match &self.source {
            Source::Mapped(m) => {
                let src = &m[offset as usize..end as usize];
                for (dst, src) in out.chunks_mut(CHUNK).zip(src.chunks(CHUNK)) {
                    dst.copy_from_slice(src);
                    crc = crc32c::crc32c_append(crc, dst);
                }
            }
            Source::File(f) => {
                let mut at = offset;
                for dst in out.chunks_mut(CHUNK) {
                    read_at(f, at, dst).map_err(|e| Error::io(&self.path, e))?;
                    crc = crc32c::crc32c_append(crc, dst);
                    at += dst.len() as u64;
                }
            }
        }
        Ok(crc)
    }

    /// The `size` bytes at `offset`; the caller checked they lie inside the file.
    pub fn bytes(&self, offset: u64, size: u64) -> Result<Cow<'_, [u8]>> {
        let end = self.end(offset, size)?;
        match &self.source {
            Source::Mapped(m) => Ok(Cow::Borrowed(&m[offset as usize..end as usize])),
            Source::File(f) => {
                let mut buf = vec![0u8; size as usize];
                read_at(f, offset, &mut buf).map_err(|e| Error::io(&self.path, e))?;
                Ok(Cow::Owned(buf))
            }
        }
    }
}
