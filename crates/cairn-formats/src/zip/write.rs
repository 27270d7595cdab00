//! Writing `.npz` archives: stored members, each with a local header, then the central
//! directory and the end record. ZIP64 fields are written for a member whose size or
//! offset does not fit in 32 bits, and a ZIP64 end record when the directory's count,
//! size or offset does not.

use super::{CENTRAL, END, END64, END64_LOCATOR, LOCAL, MARK32, ZIP64_EXTRA};
use crate::Result;
use std::path::Path;

/// MS-DOS date of 1980-01-01: members carry no real time, so files are reproducible.
const DOS_DATE: u16 = (1 << 5) | 1;
/// Version needed to extract: 2.0, or 4.5 for ZIP64.
const VERSION: u16 = 20;
const VERSION64: u16 = 45;
/// General-purpose flags: bit 11, names are UTF-8.
const UTF8: u16 = 1 << 11;

/// The archive of `members` (name, bytes), stored; `path` labels errors.
pub fn write(path: &Path, members: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    write_with_limit(path, members, u64::from(MARK32))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// [`write`], using ZIP64 for every size or offset of at least `limit` (`u32::MAX` in
/// real archives; smaller in tests, so that ZIP64 is exercised without 4 GiB of data).
pub(super) fn write_with_limit(
    path: &Path,
    members: &[(String, Vec<u8>)],
    limit: u64,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let offset = out.len() as u64;
        let size = data.len() as u64;
        let name_len = u16::try_from(name.len()).map_err(|_| crate::Error::TooLarge {
            path: path.to_path_buf(),
            what: format!("member name {name:?} is longer than 65535 bytes"),
        })?;
        let zip64 = size >= limit || offset >= limit;
        let size32 = if zip64 { MARK32 } else { size as u32 };
        let fixed = |h: &mut Vec<u8>, extra_len: u16| {
            put16(h, if zip64 { VERSION64 } else { VERSION });
            put16(h, UTF8);
            put16(h, 0); // method: stored
            put16(h, 0); // time
            put16(h, DOS_DATE);
            put32(h, crc);
            put32(h, size32); // compressed size
            put32(h, size32); // uncompressed size
            put16(h, name_len);
            put16(h, extra_len);
        };
        put32(&mut out, LOCAL);
        fixed(&mut out, if zip64 { 20 } else { 0 });
        out.extend_from_slice(name.as_bytes());
        if zip64 {
            put16(&mut out, ZIP64_EXTRA);
            put16(&mut out, 16);
            put64(&mut out, size); // uncompressed
            put64(&mut out, size); // compressed
        }
        out.extend_from_slice(data);

        put32(&mut central, CENTRAL);
        put16(&mut central, if zip64 { VERSION64 } else { VERSION }); // made by
        fixed(&mut central, if zip64 { 28 } else { 0 });
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        put32(&mut central, 0); // external attributes
        put32(&mut central, if zip64 { MARK32 } else { offset as u32 });
        central.extend_from_slice(name.as_bytes());
        if zip64 {
            put16(&mut central, ZIP64_EXTRA);
            put16(&mut central, 24);
            put64(&mut central, size); // uncompressed
            put64(&mut central, size); // compressed
            put64(&mut central, offset);
        }
    }
    let count = members.len() as u64;
    let cd_offset = out.len() as u64;
    let cd_size = central.len() as u64;
    out.extend_from_slice(&central);
    let zip64 = count >= u64::from(u16::MAX).min(limit) || cd_offset >= limit || cd_size >= limit;
    if zip64 {
        let end64 = out.len() as u64;
        put32(&mut out, END64);
        put64(&mut out, 44); // size of the rest of this record
        put16(&mut out, VERSION64);
        put16(&mut out, VERSION64);
        put32(&mut out, 0); // this disk
        put32(&mut out, 0); // disk of the central directory
        put64(&mut out, count);
        put64(&mut out, count);
        put64(&mut out, cd_size);
        put64(&mut out, cd_offset);
        put32(&mut out, END64_LOCATOR);
        put32(&mut out, 0); // disk of the ZIP64 end record
        put64(&mut out, end64);
        put32(&mut out, 1); // total disks
    }
    put32(&mut out, END);
    put32(&mut out, 0); // this disk, disk of the central directory
    let count16 = if zip64 { u16::MAX } else { count as u16 };
    put16(&mut out, count16);
    put16(&mut out, count16);
    put32(&mut out, if zip64 { MARK32 } else { cd_size as u32 });
    put32(&mut out, if zip64 { MARK32 } else { cd_offset as u32 });
    put16(&mut out, 0); // comment length
    Ok(out)
}
