//! Integration tests of `cairn-formats`: round trips through every format, files
//! written by Python's `safetensors` and numpy, and hostile files.

mod hostile;
mod python;
mod round_trip;

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;
