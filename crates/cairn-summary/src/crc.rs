//! TensorFlow's masked CRC32C (`tensorflow/core/lib/hash/crc32c.h`).
//!
//! A CRC stored next to the data it covers is masked so that the CRC of a string that
//! itself contains embedded CRCs stays well distributed: rotate right by 15 bits, then add
//! a constant.

const MASK_DELTA: u32 = 0xa282_ead8;

/// The masked CRC32C of `bytes`, as TFRecord framing stores it.
pub fn masked_crc(bytes: &[u8]) -> u32 {
    mask(crc32c::crc32c(bytes))
}

/// Masks a raw CRC32C: `((crc >> 15) | (crc << 17)) + 0xa282ead8`.
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Inverse of [`mask`].
pub fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::manual_rotate)] // TensorFlow's formula, spelled as TensorFlow spells it.
    fn mask_is_tensorflows_formula_and_inverts() {
        for crc in [0u32, 1, 0xdead_beef, u32::MAX, 0x8000_0000] {
            let expected = ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8);
            assert_eq!(mask(crc), expected);
            assert_eq!(unmask(mask(crc)), crc);
        }
    }

    #[test]
    fn crc32c_check_value() {
        // The CRC-32C check value: crc32c("123456789") = 0xE3069283.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(unmask(masked_crc(b"123456789")), 0xe306_9283);
    }
}
