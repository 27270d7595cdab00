//! cairn-image integration tests: one binary, one module per concern.

mod fixtures;
mod fuzz_regressions;
mod robustness;

use std::path::PathBuf;

/// Boxed error for tests.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `fixtures/images/NAME` at the repository root.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name)
}

/// A little-endian `.npy` file of u8 (`|u1`) or u16 (`<u2`): (shape, samples as u16).
pub fn read_npy(name: &str) -> Result<(Vec<usize>, Vec<u16>), Box<dyn std::error::Error>> {
    let b = std::fs::read(fixture(name))?;
    let hl = usize::from(u16::from_le_bytes([b[8], b[9]]));
    let header = std::str::from_utf8(&b[10..10 + hl])?;
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in npy header")?;
    let dims = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()?;
    let data = &b[10 + hl..];
    let v = if header.contains("'<u2'") {
        data.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    } else if header.contains("'|u1'") {
        data.iter().map(|&x| u16::from(x)).collect()
    } else {
        return Err(format!("unexpected npy dtype in {header}").into());
    };
    Ok((dims, v))
}
