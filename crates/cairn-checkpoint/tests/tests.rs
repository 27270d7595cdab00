//! Integration tests of cairn-checkpoint (one binary; modules by topic).

mod corruption;
mod fixtures;
mod hostile;
mod read_into;
mod roundtrip;
mod saver;
mod util;
