//! TensorBoard event files and the TFRecord framing under them, without TensorFlow.
//!
//! An event file (`events.out.tfevents.{unix seconds}.{hostname}`) is a sequence of
//! TFRecords — `u64` little-endian length, masked CRC32C of the length, the data, masked
//! CRC32C of the data — each holding one encoded `tensorflow.Event`. The first event is
//! `file_version: "brain.Event:2"`; then come graphs (`graph_def`) and summaries
//! (`Summary.Value { tag, simple_value }` at a `step`), which TensorBoard shows in its
//! Graphs and Scalars tabs.
//!
//! - [`EventWriter`]: creates an event file in a log directory, [`add_graph`] and
//!   [`add_scalars`] (each flushed, so a running TensorBoard sees it).
//! - [`EventReader`]: reads an event file back, checking both CRCs of every record;
//!   [`RunSummary`] collects a log directory's scalars and graphs by tag.
//! - [`RecordWriter`], [`Records`], [`encode_record`], [`RecordHeader`]: the TFRecord
//!   framing alone (also `tf.data.TFRecordDataset`'s format, uncompressed).
//! - [`masked_crc`], [`mask`], [`unmask`]: TensorFlow's masked CRC32C.
//! - [`Error`]: every failure, naming the file and the record's byte offset.
//!
//! [`add_graph`]: EventWriter::add_graph
//! [`add_scalars`]: EventWriter::add_scalars
//!
//! ```
//! use cairn_summary::{EventWriter, EventReader, RunSummary};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let mut w = EventWriter::create(dir.path())?;
//! w.add_graph(b"")?; // an (empty) encoded GraphDef
//! w.add_scalars(100, &[("loss", 0.25), ("learning_rate", 0.8)])?;
//! let events = EventReader::open(w.path())?.events()?;
//! assert_eq!(events.len(), 3);
//!
//! let run = RunSummary::read_dir(dir.path())?;
//! assert_eq!(run.file_versions, ["brain.Event:2"]);
//! assert_eq!(run.scalars["loss"], [(100, 0.25)]);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod crc;
mod error;
mod event;
mod reader;
mod record;
mod writer;

pub use crc::{mask, masked_crc, unmask};
pub use error::{Error, Part, Result};
pub use event::{
    file_version_event, graph_event, scalar_value, scalars_event, session_start_event,
    wall_time_now,
};
pub use reader::{event_files, EventReader, RunSummary};
pub use record::{encode_record, RecordHeader, RecordWriter, Records, FOOTER_LEN, HEADER_LEN};
pub use writer::{hostname, EventWriter, FILE_VERSION};
