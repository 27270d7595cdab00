//! Reading `.npz` archives: the end record (ZIP64 or not), the central directory, then
//! each member's bytes, inflated if deflated, checked against its CRC-32.

use super::{CENTRAL, END, END64, END64_LOCATOR, LOCAL, ZIP64_EXTRA};
use crate::{Error, Result};
use flate2::read::DeflateDecoder;
use std::io::Read;
use std::path::Path;

/// One member read from an archive.
pub struct Member {
    /// Its name in the archive.
    pub name: String,
    /// Its uncompressed bytes.
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The end-of-central-directory record: (entries, central directory offset, its size).
fn directory(b: &[u8], path: &Path) -> Result<(u64, u64, u64)> {
    let bad = |offset: usize, what: &str| Error::corrupt(path, None, offset as u64, what);
    let lowest = b.len().saturating_sub(22 + usize::from(u16::MAX));
    let at = (lowest..b.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(b, i) == Some(END))
        .ok_or_else(|| {
            bad(
                b.len(),
                "not a zip archive (no end-of-central-directory record)",
            )
        })?;
    let field = |o| u16_at(b, at + o).ok_or_else(|| bad(at, "truncated end record"));
    let (entries, size, offset) = (
        field(10)?,
        u32_at(b, at + 12).ok_or_else(|| bad(at, "truncated end record"))?,
        u32_at(b, at + 16).ok_or_else(|| bad(at, "truncated end record"))?,
    );
    if field(4)? != 0 || field(6)? != 0 {
        return Err(bad(at, "multi-disk archives are not supported"));
    }
    if entries != u16::MAX && size != u32::MAX && offset != u32::MAX {
        return Ok((entries.into(), offset.into(), size.into()));
    }
    // ZIP64: a locator just before the end record points at the ZIP64 end record.
    let loc = at
        .checked_sub(20)
        .filter(|&l| u32_at(b, l) == Some(END64_LOCATOR))
        .ok_or_else(|| bad(at, "ZIP64 sizes without a ZIP64 end-record locator"))?;
    let end64 = u64_at(b, loc + 8).ok_or_else(|| bad(loc, "truncated ZIP64 locator"))?;
    let e = usize::try_from(end64)
        .ok()
        .filter(|&e| u32_at(b, e) == Some(END64))
        .ok_or_else(|| bad(loc, "the ZIP64 locator points at no ZIP64 end record"))?;
    let read = |o| u64_at(b, e + o).ok_or_else(|| bad(e, "truncated ZIP64 end record"));
    Ok((read(32)?, read(48)?, read(40)?))
}

/// Reads every member of the archive `b` (read from `path`), in directory order.
pub fn read(b: &[u8], path: &Path) -> Result<Vec<Member>> {
    let (entries, cd_offset, cd_size) = directory(b, path)?;
    let bad = |offset: u64, member: Option<&str>, what: String| {
        Error::corrupt(path, member, offset, what)
    };
    let cd_end = cd_offset
        .checked_add(cd_size)
        .filter(|&e| e <= b.len() as u64)
        .ok_or_else(|| bad(cd_offset, None, format!("central directory of {cd_size} bytes at {cd_offset} runs past the end ({} bytes)", b.len())))?;
    // Each directory entry takes at least 46 bytes: a lying count cannot make us allocate.
    if entries > cd_size / 46 {
        return Err(bad(
            cd_offset,
            None,
            format!("{entries} members cannot fit in a directory of {cd_size} bytes"),
        ));
    }
    let mut members = Vec::with_capacity(entries as usize);
    // Bytes the members' headers and data take: more than the archive holds means
    // members overlap (a "zip bomb" reusing one member's bytes many times).
    let mut used = 0u64;
    let mut at = cd_offset as usize;
    for _ in 0..entries {
        let entry = at;
        let trunc = |what: &str| {
            bad(
                entry as u64,
                None,
                format!("truncated central directory entry ({what})"),
            )
        };
        if u32_at(b, at) != Some(CENTRAL) {
            return Err(bad(
                at as u64,
                None,
                "bad central directory entry signature".into(),
            ));
        }
        let h16 = |o| u16_at(b, entry + o).ok_or_else(|| trunc("header"));
        let h32 = |o| u32_at(b, entry + o).ok_or_else(|| trunc("header"));
        let (flags, method, crc) = (h16(8)?, h16(10)?, h32(16)?);
        let (mut csize, mut usize_, mut local) = (
            u64::from(h32(20)?),
            u64::from(h32(24)?),
            u64::from(h32(42)?),
        );
        let (n, m, k) = (
            usize::from(h16(28)?),
            usize::from(h16(30)?),
            usize::from(h16(32)?),
        );
        let name_at = entry + 46;
        let name = b.get(name_at..name_at + n).ok_or_else(|| trunc("name"))?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| trunc("name is not UTF-8"))?;
        let extra = b
            .get(name_at + n..name_at + n + m)
            .ok_or_else(|| trunc("extra field"))?;
        // The ZIP64 extra field holds, in order, whichever of these are 0xFFFFFFFF.
        let mut e = 0;
        while e + 4 <= extra.len() {
            let (id, len) = (
                u16_at(extra, e).unwrap_or(0),
                usize::from(u16_at(extra, e + 2).unwrap_or(0)),
            );
            if id == ZIP64_EXTRA {
                let mut f = e + 4;
                for v in [&mut usize_, &mut csize, &mut local] {
                    if *v == u64::from(u32::MAX) {
                        *v = u64_at(extra, f)
                            .filter(|_| f + 8 <= e + 4 + len)
                            .ok_or_else(|| trunc("ZIP64 extra field"))?;
                        f += 8;
                    }
                }
            }
            e += 4 + len;
        }
        at = name_at + n + m + k;
        if at as u64 > cd_end {
            return Err(trunc("runs past the directory"));
        }
        let member = Some(name.as_str());
        if flags & 1 != 0 {
            return Err(bad(
                local,
                member,
                "encrypted members are not supported".into(),
            ));
        }
        let lh = usize::try_from(local)
            .ok()
            .filter(|&l| u32_at(b, l) == Some(LOCAL))
            .ok_or_else(|| {
                bad(
                    local,
                    member,
                    "no local header where the directory says".into(),
                )
            })?;
        let skip = usize::from(u16_at(b, lh + 26).unwrap_or(0))
            + usize::from(u16_at(b, lh + 28).unwrap_or(0));
        let start = lh + 30 + skip;
        let end = (start as u64)
            .checked_add(csize)
            .filter(|&e| e <= cd_offset)
            .ok_or_else(|| {
                bad(
                    start as u64,
                    member,
                    format!("{csize} bytes of data run past the end of the members"),
                )
            })?;
        used = used.saturating_add(end - lh as u64);
        if used > cd_offset {
            return Err(bad(
                lh as u64,
                member,
                "members overlap (more member bytes than the archive holds)".into(),
            ));
        }
        let raw = &b[start..end as usize];
        let data = match method {
            0 if csize == usize_ => raw.to_vec(),
            0 => {
                return Err(bad(
                    start as u64,
                    member,
                    format!("stored member of {csize} bytes claims {usize_} uncompressed"),
                ))
            }
            8 => {
                // Grows with what actually inflates, reading one byte past the claimed
                // size to catch a member that lies about it.
                let mut out = Vec::new();
                DeflateDecoder::new(raw)
                    .take(usize_.saturating_add(1))
                    .read_to_end(&mut out)
                    .map_err(|err| bad(start as u64, member, format!("bad deflate data: {err}")))?;
                if out.len() as u64 != usize_ {
                    return Err(bad(
                        start as u64,
                        member,
                        format!(
                            "inflates to {}{} bytes, the directory says {usize_}",
                            out.len(),
                            if out.len() as u64 > usize_ {
                                " or more"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                out
            }
            other => {
                return Err(bad(
                    start as u64,
                    member,
                    format!("compression method {other} is not supported (stored or deflate only)"),
                ))
            }
        };
        let mut sum = flate2::Crc::new();
        sum.update(&data);
        if sum.sum() != crc {
            return Err(bad(
                start as u64,
                member,
                format!(
                    "CRC-32 mismatch (stored {crc:#010x}, computed {:#010x})",
                    sum.sum()
                ),
            ));
        }
        members.push(Member { name, data });
    }
    Ok(members)
}
