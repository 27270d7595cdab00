//! cairn's own JPEG decoder, written to give libjpeg-turbo's pixels (TensorFlow's
//! `DecodeJpeg` with its defaults): baseline and extended Huffman (SOF0/SOF1) and
//! progressive (SOF2) 8-bit JPEGs with 1 or 3 components, any sampling factors, restart
//! intervals; the accurate integer IDCT ([`idct`]), libjpeg's "fancy" (triangle) chroma
//! upsampling and its fixed-point YCbCr → RGB conversion ([`color`]).
//!
//! Memory is bounded: the frame header's size is checked against the caller's limit
//! before the coefficient and sample buffers are allocated, and every length, table
//! index and count read from the file is validated.

mod bits;
mod color;
mod idct;
mod idct_fast;
mod scan;
#[cfg(test)]
mod tests;

use crate::{Error, Format};

pub(crate) type Result<T> = std::result::Result<T, Error>;

pub(crate) fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        format: Format::Jpeg,
        what: format!("Invalid JPEG data or crop window: {what}"),
    }
}

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::Unsupported {
        format: Format::Jpeg,
        what: what.to_string(),
    }
}

/// The zigzag order: `ZIGZAG[k]` is the natural (row-major) index of the k-th coefficient.
pub(crate) const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// One colour component of the frame.
#[derive(Clone, Debug)]
pub(crate) struct Component {
    pub id: u8,
    pub h: usize,
    pub v: usize,
    pub tq: usize,
    /// Blocks per row covering the MCUs (padded); `coef` has `mcuy × v` rows of them.
    pub bw: usize,
    /// Blocks that hold image samples (what non-interleaved scans cover).
    pub bw_used: usize,
    pub bh_used: usize,
    /// Samples of this component: ceil(width × h / hmax) × ceil(height × v / vmax).
    pub width: usize,
    pub height: usize,
    /// Coefficients, 64 per block, natural order, block-row-major.
    pub coef: Vec<[i16; 64]>,
    pub dc_table: usize,
    pub ac_table: usize,
    /// The quantization table, latched when the component's first scan starts (as
    /// libjpeg does).
    pub quant: Option<[u16; 64]>,
}

/// The frame (SOF) and everything the scans need.
pub(crate) struct Frame {
    pub width: usize,
    pub height: usize,
    pub progressive: bool,
    pub comps: Vec<Component>,
    pub hmax: usize,
    pub vmax: usize,
    pub mcux: usize,
    pub mcuy: usize,
}

/// What the decoder produces.
pub(crate) struct Decoded {
    pub width: usize,
    pub height: usize,
    /// 1 (greyscale) or 3 (RGB).
    pub channels: usize,
    pub pixels: Vec<u8>,
}

/// Tables and state met before and between scans.
pub(crate) struct Tables {
    pub quant: [Option<[u16; 64]>; 4],
    pub dc: [Option<bits::Huffman>; 4],
    pub ac: [Option<bits::Huffman>; 4],
    pub restart_interval: u32,
    /// APP14 "Adobe" transform flag, if present.
    pub adobe_transform: Option<u8>,
    pub jfif: bool,
}

fn be16(d: &[u8], at: usize) -> Result<usize> {
    match d.get(at..at + 2) {
        Some(b) => Ok(usize::from(u16::from_be_bytes([b[0], b[1]]))),
        None => Err(corrupt("the file ends inside a marker segment")),
    }
}

/// The payload of the marker segment starting at `pos` (after the marker) and the
/// position after it.
fn segment(d: &[u8], pos: usize) -> Result<(&[u8], usize)> {
    let len = be16(d, pos)?;
    if len < 2 {
        return Err(corrupt("marker segment shorter than its length field"));
    }
    let end = pos + len;
    let payload = d
        .get(pos + 2..end)
        .ok_or_else(|| corrupt("the file ends inside a marker segment"))?;
    Ok((payload, end))
}

fn parse_dqt(p: &[u8], t: &mut Tables) -> Result<()> {
    let mut i = 0;
    while i < p.len() {
        let pq = p[i] >> 4;
        let tq = usize::from(p[i] & 15);
        if tq > 3 || pq > 1 {
            return Err(corrupt("bad quantization table header"));
        }
        i += 1;
        let size = if pq == 0 { 64 } else { 128 };
        let body = p
            .get(i..i + size)
            .ok_or_else(|| corrupt("quantization table cut short"))?;
        let mut q = [0u16; 64];
        for k in 0..64 {
            let v = if pq == 0 {
                u16::from(body[k])
            } else {
                u16::from_be_bytes([body[2 * k], body[2 * k + 1]])
            };
            q[ZIGZAG[k]] = v;
        }
        t.quant[tq] = Some(q);
        i += size;
    }
    Ok(())
}

fn parse_dht(p: &[u8], t: &mut Tables) -> Result<()> {
    let mut i = 0;
    while i < p.len() {
        let class = p[i] >> 4;
        let th = usize::from(p[i] & 15);
        if class > 1 || th > 3 {
            return Err(corrupt("bad Huffman table header"));
        }
        let counts_b = p
            .get(i + 1..i + 17)
            .ok_or_else(|| corrupt("Huffman table cut short"))?;
        let mut counts = [0u8; 16];
        counts.copy_from_slice(counts_b);
        let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = p
            .get(i + 17..i + 17 + n)
            .ok_or_else(|| corrupt("Huffman table cut short"))?;
        let h = bits::Huffman::new(&counts, symbols)?;
        if class == 0 {
            t.dc[th] = Some(h);
        } else {
            t.ac[th] = Some(h);
        }
        i += 17 + n;
    }
    Ok(())
}

fn parse_sof(p: &[u8], progressive: bool, channels: usize, max_bytes: usize) -> Result<Frame> {
    if p.len() < 6 {
        return Err(corrupt("frame header cut short"));
    }
    if p[0] != 8 {
        return Err(unsupported(format!(
            "{}-bit samples (cairn decodes 8-bit JPEGs)",
            p[0]
        )));
    }
    let height = be16(p, 1)?;
    let width = be16(p, 3)?;
    let n = usize::from(p[5]);
    if width == 0 || height == 0 {
        return Err(corrupt(format!("empty image ({width}x{height})")));
    }
    if n != 1 && n != 3 {
        return Err(unsupported(format!(
            "{n} colour components (cairn decodes greyscale and YCbCr/RGB)"
        )));
    }
    if p.len() < 6 + 3 * n {
        return Err(corrupt("frame header cut short"));
    }
    let mut comps = Vec::with_capacity(n);
    for c in 0..n {
        let b = &p[6 + 3 * c..9 + 3 * c];
        let (h, v) = (usize::from(b[1] >> 4), usize::from(b[1] & 15));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || b[2] > 3 {
            return Err(corrupt("bad component sampling factors or table"));
        }
        comps.push((b[0], h, v, usize::from(b[2])));
    }
    let hmax = comps.iter().map(|c| c.1).max().unwrap_or(1);
    let vmax = comps.iter().map(|c| c.2).max().unwrap_or(1);
    let mcux = width.div_ceil(8 * hmax);
    let mcuy = height.div_ceil(8 * vmax);
    let out_channels = if channels == 0 { n } else { channels };
    crate::check_size(Format::Jpeg, width, height, out_channels, 1, max_bytes)?;
    // Working memory: coefficients (2 bytes each) and component samples, plus the output.
    let mut need: usize = width.saturating_mul(height).saturating_mul(3);
    for &(_, h, v, _) in &comps {
        let blocks = (mcux * h).saturating_mul(mcuy * v);
        need = need.saturating_add(blocks.saturating_mul(64 * 3));
    }
    if need > max_bytes {
        return Err(Error::TooLarge {
            format: Format::Jpeg,
            width,
            height,
            channels: n,
            bytes: need,
            limit: max_bytes,
        });
    }
    let comps = comps
        .into_iter()
        .map(|(id, h, v, tq)| {
            let cw = (width * h).div_ceil(hmax);
            let ch = (height * v).div_ceil(vmax);
            Component {
                id,
                h,
                v,
                tq,
                bw: mcux * h,
                bw_used: cw.div_ceil(8),
                bh_used: ch.div_ceil(8),
                width: cw,
                height: ch,
                coef: vec![[0i16; 64]; mcux * h * mcuy * v],
                dc_table: 0,
                ac_table: 0,
                quant: None,
            }
        })
        .collect();
    Ok(Frame {
        width,
        height,
        progressive,
        comps,
        hmax,
        vmax,
        mcux,
        mcuy,
    })
}

/// Decodes a JPEG. `grey` asks for luminance only (TensorFlow's `channels: 1`); otherwise
/// colour images come out as RGB and greyscale ones with one channel. `fast` selects the
/// IFAST inverse DCT (TensorFlow's default and `INTEGER_FAST`), else ISLOW
/// (`INTEGER_ACCURATE`).
///
/// `channels` is what the caller will output (0: as encoded): the output size is checked
/// against `max_bytes` as soon as the frame header is read, then the decoder's working
/// memory (coefficients and component planes).
pub(crate) fn decode(
    d: &[u8],
    grey: bool,
    fast: bool,
    channels: usize,
    max_bytes: usize,
) -> Result<Decoded> {
    if d.len() < 4 || d[0] != 0xFF || d[1] != 0xD8 {
        return Err(corrupt("not a JPEG (no start-of-image marker)"));
    }
    let mut t = Tables {
        quant: [None; 4],
        dc: [None, None, None, None],
        ac: [None, None, None, None],
        restart_interval: 0,
        adobe_transform: None,
        jfif: false,
    };
    let mut frame: Option<Frame> = None;
    let mut pos = 2;
    let mut scans = 0usize;
    loop {
        // Find the next marker (fill bytes FF FF … allowed).
        if pos >= d.len() {
            return Err(corrupt(
                "the data ends before the end-of-image marker (truncated file)",
            ));
        }
        if d[pos] != 0xFF {
            return Err(corrupt(format!("expected a marker at byte {pos}")));
        }
        while pos < d.len() && d[pos] == 0xFF {
            pos += 1;
        }
        let marker = *d.get(pos).ok_or_else(|| {
            corrupt("the data ends before the end-of-image marker (truncated file)")
        })?;
        pos += 1;
        match marker {
            0xD9 => break,
            0xD0..=0xD7 | 0x01 => {}
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err(corrupt("two frame headers"));
                }
                let (p, next) = segment(d, pos)?;
                frame = Some(parse_sof(p, marker == 0xC2, channels, max_bytes)?);
                pos = next;
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(unsupported(format!(
                    "JPEG process SOF{} (lossless, hierarchical or arithmetic coding)",
                    marker - 0xC0
                )))
            }
            0xC4 => {
                let (p, next) = segment(d, pos)?;
                parse_dht(p, &mut t)?;
                pos = next;
            }
            0xDB => {
                let (p, next) = segment(d, pos)?;
                parse_dqt(p, &mut t)?;
                pos = next;
            }
            0xDD => {
                let (p, next) = segment(d, pos)?;
                if p.len() < 2 {
                    return Err(corrupt("restart interval segment cut short"));
                }
                t.restart_interval = be16(p, 0)? as u32;
                pos = next;
            }
            0xDA => {
                let f = frame
                    .as_mut()
                    .ok_or_else(|| corrupt("a scan before the frame header"))?;
                let (p, next) = segment(d, pos)?;
                pos = scan::decode_scan(d, next, p, f, &t)?;
                scans += 1;
            }
            0xE0 => {
                let (p, next) = segment(d, pos)?;
                t.jfif |= p.starts_with(b"JFIF\0");
                pos = next;
            }
            0xEE => {
                let (p, next) = segment(d, pos)?;
                if p.len() >= 12 && p.starts_with(b"Adobe") {
                    t.adobe_transform = Some(p[11]);
                }
                pos = next;
            }
            _ => {
                let (_, next) = segment(d, pos)?;
                pos = next;
            }
        }
    }
    let f = frame.ok_or_else(|| corrupt("no frame header"))?;
    if scans == 0 {
        return Err(corrupt("no scan"));
    }
    color::finish(&f, &t, grey, fast)
}

#[cfg(test)]
mod errors {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/images"
        ))
    }

    #[test]
    fn truncated_and_corrupt_data_are_errors() {
        let jpg = std::fs::read(fixtures().join("img_420.jpg")).expect("jpeg");
        for cut in [3, 20, 200, jpg.len() / 2, jpg.len() - 2] {
            assert!(
                decode(&jpg[..cut], false, true, 0, 1 << 30).is_err(),
                "cut at {cut}"
            );
        }
        let mut bad = jpg.clone();
        let n = bad.len();
        for b in &mut bad[n / 2..n / 2 + 40] {
            *b ^= 0x5A;
        }
        // Corrupt entropy data either decodes to something or is an error: never a panic.
        let _ = decode(&bad, false, true, 0, 1 << 30);
        assert!(matches!(
            decode(&jpg, false, true, 0, 100),
            Err(Error::TooLarge { .. })
        ));
    }

    /// Random damage to every fixture JPEG: an error or some pixels, never a panic, and
    /// never more pixels than the frame header declares.
    #[test]
    fn damaged_files_never_panic() {
        let mut seed = 0x1234_5678u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let dir = fixtures().join("../jpeg");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures/jpeg")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
            .collect();
        files.sort();
        for path in files {
            let jpg = std::fs::read(&path).expect("jpeg");
            for _ in 0..150 {
                let mut bad = jpg.clone();
                for _ in 0..1 + rnd() % 4 {
                    let at = (rnd() as usize) % bad.len();
                    bad[at] = rnd() as u8;
                }
                if rnd() % 4 == 0 {
                    bad.truncate((rnd() as usize) % bad.len());
                }
                if let Ok(d) = decode(&bad, false, rnd() % 2 == 0, 0, 1 << 24) {
                    assert_eq!(d.pixels.len(), d.width * d.height * d.channels);
                }
            }
        }
    }
}
