//! Integration tests of `cairn-summary`.

mod corrupt;
mod roundtrip;
mod tensorflow;

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;
