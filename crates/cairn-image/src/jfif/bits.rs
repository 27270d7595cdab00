//! Huffman tables and the bit reader of entropy-coded segments.

use super::{corrupt, Result};

/// A Huffman table built from a DHT segment's code counts and symbols.
#[derive(Clone, Debug)]
pub struct Huffman {
    /// For codes of up to 9 bits: `(symbol, length)` indexed by the next 9 bits.
    fast: Vec<(u8, u8)>,
    /// Largest code of each length 1..=16 (−1 if none), as in the JPEG spec's decoder.
    maxcode: [i32; 18],
    /// Offset of the first symbol of each length in `symbols`, minus its first code.
    valoffset: [i32; 18],
    symbols: Vec<u8>,
}

const FAST_BITS: u32 = 9;

impl Huffman {
    /// Builds a table; `counts[i]` codes have length `i + 1`.
    pub fn new(counts: &[u8; 16], symbols: &[u8]) -> Result<Huffman> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total != symbols.len() || total > 256 {
            return Err(corrupt("bad Huffman table"));
        }
        let mut maxcode = [-1i32; 18];
        let mut valoffset = [0i32; 18];
        let mut fast = vec![(0u8, 0u8); 1 << FAST_BITS];
        let mut code: u32 = 0;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            if n > 0 {
                valoffset[len as usize] = k as i32 - code as i32;
                for _ in 0..n {
                    if code >= (1 << len) {
                        return Err(corrupt("Huffman table with too many codes"));
                    }
                    if len <= FAST_BITS {
                        let shift = FAST_BITS - len;
                        let first = (code << shift) as usize;
                        for e in &mut fast[first..first + (1 << shift)] {
                            *e = (symbols[k], len as u8);
                        }
                    }
                    code += 1;
                    k += 1;
                }
                maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        maxcode[17] = i32::MAX;
        Ok(Huffman {
            fast,
            maxcode,
            valoffset,
            symbols: symbols.to_vec(),
        })
    }
}

/// Reads bits from an entropy-coded segment: `FF 00` is a data `FF`; any other marker
/// ends the segment (reads past it give zero bits and are reported by
/// [`BitReader::hit_marker`]).
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    nbits: u32,
    /// The marker that stopped the data, if one was met.
    marker: Option<u8>,
    /// Zero bits made up past the end of the data.
    padded: u32,
}

impl<'a> BitReader<'a> {
    /// Starts reading `data` at `pos`.
    pub fn new(data: &'a [u8], pos: usize) -> BitReader<'a> {
        BitReader {
            data,
            pos,
            acc: 0,
            nbits: 0,
            marker: None,
            padded: 0,
        }
    }

    /// Where the reader stands in the data (the start of the marker that stopped it).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The marker that stopped the data, if any.
    #[cfg(test)]
    pub fn marker(&self) -> Option<u8> {
        self.marker
    }

    /// True if more bits were read than the segment holds (corrupt or truncated data).
    pub fn overran(&self) -> bool {
        self.padded > 0 && self.nbits < self.padded
    }

    fn fill(&mut self) {
        while self.nbits <= 56 {
            let byte = if self.marker.is_some() || self.pos >= self.data.len() {
                self.padded += 8;
                0
            } else {
                let b = self.data[self.pos];
                if b == 0xFF {
                    let next = self.data.get(self.pos + 1).copied();
                    match next {
                        Some(0x00) => {
                            self.pos += 2;
                            0xFF
                        }
                        Some(m) => {
                            self.marker = Some(m);
                            self.padded += 8;
                            0
                        }
                        None => {
                            self.pos += 1;
                            self.padded += 8;
                            0
                        }
                    }
                } else {
                    self.pos += 1;
                    b
                }
            };
            self.acc |= u64::from(byte) << (56 - self.nbits);
            self.nbits += 8;
        }
    }

    /// The next `n` (≤ 16) bits.
    pub fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.nbits < n {
            self.fill();
        }
        let v = (self.acc >> (64 - n)) as u32;
        self.acc <<= n;
        self.nbits -= n;
        v
    }

    /// The next bit.
    pub fn bit(&mut self) -> bool {
        self.bits(1) == 1
    }

    /// `n` bits as a signed value (the JPEG "EXTEND" of a magnitude category).
    pub fn receive_extend(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        let v = self.bits(n) as i32;
        if v < (1 << (n - 1)) {
            v - (1 << n) + 1
        } else {
            v
        }
    }

    /// Decodes one Huffman symbol.
    pub fn decode(&mut self, h: &Huffman) -> Result<u8> {
        if self.nbits < 16 {
            self.fill();
        }
        let peek = (self.acc >> (64 - FAST_BITS)) as usize;
        let (sym, len) = h.fast[peek];
        if len > 0 {
            self.acc <<= len;
            self.nbits -= u32::from(len);
            return Ok(sym);
        }
        let top = (self.acc >> 48) as u32; // the next 16 bits
        for len in (FAST_BITS + 1)..=16 {
            let code = (top >> (16 - len)) as i32;
            if code <= h.maxcode[len as usize] {
                self.acc <<= len;
                self.nbits -= len;
                let idx = code + h.valoffset[len as usize];
                return h
                    .symbols
                    .get(idx as usize)
                    .copied()
                    .ok_or_else(|| corrupt("bad Huffman code"));
            }
        }
        Err(corrupt("bad Huffman code"))
    }

    /// Skips to the restart marker `RST(n % 8)` expected next: discards the remaining
    /// bits of the byte and checks the marker.
    pub fn restart(&mut self, n: u32) -> Result<()> {
        let want = 0xD0 + (n % 8) as u8;
        self.acc = 0;
        self.nbits = 0;
        self.padded = 0;
        // Find the marker (skipping fill bytes FF FF …).
        if self.marker.is_none() {
            while self.pos + 1 < self.data.len()
                && !(self.data[self.pos] == 0xFF
                    && self.data[self.pos + 1] != 0x00
                    && self.data[self.pos + 1] != 0xFF)
            {
                self.pos += 1;
            }
            self.marker = self.data.get(self.pos + 1).copied();
        }
        match self.marker {
            Some(m) if m == want => {
                self.pos += 2;
                self.marker = None;
                Ok(())
            }
            Some(m) => Err(corrupt(format!(
                "expected restart marker RST{} but found marker {m:02X}",
                n % 8
            ))),
            None => Err(corrupt("the data ends where a restart marker is expected")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuffed_bytes_and_markers() {
        let data = [0b1010_1010, 0xFF, 0x00, 0x0F, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.bits(4), 0b1010);
        assert_eq!(r.bits(4), 0b1010);
        assert_eq!(r.bits(8), 0xFF);
        assert_eq!(r.bits(8), 0x0F);
        assert!(!r.overran());
        assert_eq!(r.bits(8), 0);
        assert_eq!(r.marker(), Some(0xD9));
        assert!(r.overran());
    }

    #[test]
    fn huffman_codes() -> Result<()> {
        // Lengths: two codes of 2 bits (00, 01), one of 3 bits (100), one of 12 bits.
        let mut counts = [0u8; 16];
        counts[1] = 2;
        counts[2] = 1;
        counts[11] = 1;
        let h = Huffman::new(&counts, &[5, 6, 7, 8])?;
        // 00 01 100 then 1010 0000 0000 (the 12-bit code 101000000000).
        let data = [0b0001_1001, 0b0100_0000, 0b0000_0000];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.decode(&h)?, 5);
        assert_eq!(r.decode(&h)?, 6);
        assert_eq!(r.decode(&h)?, 7);
        assert_eq!(r.decode(&h)?, 8);
        assert!(Huffman::new(&counts, &[1, 2]).is_err());
        Ok(())
    }

    #[test]
    fn extend() {
        let data = [0b0111_0000];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.receive_extend(3), -4); // 011 → 3 - 7
        let data = [0b1000_0000];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.receive_extend(1), 1);
    }
}
