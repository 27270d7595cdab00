//! The little of the ZIP format `.npz` needs (PKWARE APPNOTE 6.3): writing stored
//! members ([`write()`], ZIP64 when sizes or offsets need it), and reading stored or
//! deflated members ([`read()`]: what `np.savez` and `np.savez_compressed` write), with
//! ZIP64 sizes and offsets (numpy forces ZIP64 headers) and a CRC-32 check of every
//! member.
//!
//! Every size and offset read from the archive is checked against the archive's length
//! before use, and a member's declared size is never allocated up front.

mod read;
mod write;

pub use read::read;
pub use write::write;

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const END64_LOCATOR: u32 = 0x0706_4b50;
/// The ZIP64 extended-information extra field.
const ZIP64_EXTRA: u16 = 1;
/// A 32-bit field holding this means "see the ZIP64 extra field".
const MARK32: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use std::path::Path;

    #[test]
    fn round_trip_and_hostile_archives() -> crate::Result<()> {
        let p = Path::new("a.npz");
        let members = vec![
            ("a/b.npy".to_string(), b"hello".to_vec()),
            ("c.npy".into(), vec![]),
        ];
        let z = write(p, &members)?;
        let back = read(&z, p)?;
        assert_eq!(back.len(), 2);
        assert_eq!(
            (back[0].name.as_str(), back[0].data.as_slice()),
            ("a/b.npy", &b"hello"[..])
        );
        assert!(back[1].data.is_empty());
        // Every truncation is an error, never a panic.
        for cut in 0..z.len() {
            assert!(read(&z[..cut], p).is_err(), "cut at {cut}");
        }
        // A member lying about its size.
        let mut lie = z.clone();
        let cd = z.len() - 22 - (46 + 7) - (46 + 5);
        lie[cd + 24] = 9;
        assert!(matches!(read(&lie, p), Err(Error::Corrupt { .. })));
        // A flipped data byte fails the CRC.
        let mut flip = z.clone();
        flip[30 + 7] ^= 1;
        assert!(matches!(read(&flip, p), Err(Error::Corrupt { .. })));
        // Two directory entries sharing one member's bytes.
        let mut overlap = z.clone();
        overlap[cd + 53 + 42..cd + 53 + 46].copy_from_slice(&0u32.to_le_bytes());
        let e = read(&overlap, p)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("overlap"), "{e}");
        Ok(())
    }

    #[test]
    fn zip64_round_trip() -> crate::Result<()> {
        let p = Path::new("a.npz");
        let members = vec![
            ("a/b.npy".to_string(), b"hello".to_vec()),
            ("c.npy".into(), vec![7; 300]),
            ("d.npy".into(), vec![]),
        ];
        // Every member, offset and the directory past the limit: all ZIP64.
        for limit in [0, 1, 40, 200] {
            let z = write::write_with_limit(p, &members, limit)?;
            let back = read(&z, p)?;
            let got: Vec<(String, Vec<u8>)> = back.into_iter().map(|m| (m.name, m.data)).collect();
            assert_eq!(got, members, "limit {limit}");
            for cut in [z.len() - 1, z.len() - 22, z.len() - 30] {
                assert!(read(&z[..cut], p).is_err());
            }
        }
        Ok(())
    }
}
