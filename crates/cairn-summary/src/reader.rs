//! [`EventReader`]: every event of an event file, with both CRCs of every record checked.

use crate::error::{Error, Result};
use crate::event::scalar_value;
use crate::record::Records;
use cairn_proto::tensorflow::event::What;
use cairn_proto::tensorflow::session_log::SessionStatus;
use cairn_proto::Event;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The events of one event file, read into memory and checked record by record.
#[derive(Clone, Debug)]
pub struct EventReader {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl EventReader {
    /// Reads the event file at `path`.
    pub fn open(path: &Path) -> Result<EventReader> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(EventReader::from_bytes(bytes, path))
    }

    /// Reads event-file bytes that came from `path` (only used in errors).
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> EventReader {
        EventReader {
            path: path.to_path_buf(),
            bytes,
        }
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw records with their offsets, CRC-checked.
    pub fn records(&self) -> Records<'_> {
        Records::new(&self.bytes, &self.path)
    }

    /// Every event in file order; the first bad record (truncated, bad CRC, not an
    /// `Event`) is an error naming the file and its offset.
    pub fn events(&self) -> Result<Vec<Event>> {
        self.records()
            .map(|r| {
                let (offset, data) = r?;
                cairn_proto::decode_event(data).map_err(|source| Error::Decode {
                    path: self.path.clone(),
                    offset,
                    source,
                })
            })
            .collect()
    }
}

/// The event files (`events.out.tfevents.*`) of a log directory, sorted by name (so by
/// creation time, as TensorBoard orders them).
pub fn event_files(logdir: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        path: logdir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(logdir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("events.out.tfevents.")
        {
            out.push(entry.path());
        }
    }
    if out.is_empty() {
        return Err(Error::NoEventFile {
            dir: logdir.to_path_buf(),
        });
    }
    out.sort();
    Ok(out)
}

/// What a run's events hold, in the shape TensorBoard shows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    /// The `file_version` strings seen (`brain.Event:2`).
    pub file_versions: Vec<String>,
    /// Every encoded `GraphDef` seen.
    pub graphs: Vec<Vec<u8>>,
    /// Per tag, the `(step, value)` points in file order.
    pub scalars: BTreeMap<String, Vec<(i64, f64)>>,
    /// The steps of `SessionLog { status: START }` events (resumed runs).
    pub session_starts: Vec<i64>,
}

impl RunSummary {
    /// Collects `events`.
    pub fn from_events(events: &[Event]) -> RunSummary {
        let mut s = RunSummary::default();
        for e in events {
            match &e.what {
                Some(What::FileVersion(v)) => s.file_versions.push(v.clone()),
                Some(What::GraphDef(g)) => s.graphs.push(g.clone()),
                Some(What::Summary(sum)) => {
                    for v in &sum.value {
                        if let Some(x) = scalar_value(v) {
                            s.scalars
                                .entry(v.tag.clone())
                                .or_default()
                                .push((e.step, x));
                        }
                    }
                }
                Some(What::SessionLog(l)) if l.status == SessionStatus::Start as i32 => {
                    s.session_starts.push(e.step)
                }
                _ => {}
            }
        }
        s
    }

    /// Reads and collects every event file of `logdir`.
    pub fn read_dir(logdir: &Path) -> Result<RunSummary> {
        let mut events = Vec::new();
        for f in event_files(logdir)? {
            events.extend(EventReader::open(&f)?.events()?);
        }
        Ok(RunSummary::from_events(&events))
    }
}
