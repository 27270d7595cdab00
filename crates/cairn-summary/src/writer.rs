//! [`EventWriter`]: a TensorBoard event file, as `tf.summary.FileWriter` writes it.

use crate::error::{Error, Result};
use crate::event::{
    file_version_event, graph_event, scalars_event, session_start_event, wall_time_now,
};
use crate::record::RecordWriter;
use cairn_proto::Event;
use prost::Message;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// The `file_version` of the first event of every file TensorFlow 2 writes.
pub const FILE_VERSION: &str = "brain.Event:2";

/// Writes `events.out.tfevents.{unix seconds}.{hostname}` in a log directory.
///
/// The first record is the `file_version` event; then [`EventWriter::add_graph`] and
/// [`EventWriter::add_scalars`] append events. Each `add_*` call flushes, so a running
/// TensorBoard sees a step as soon as it is logged.
pub struct EventWriter {
    records: RecordWriter<BufWriter<File>>,
    path: PathBuf,
}

impl EventWriter {
    /// Creates `logdir` if needed and a new event file in it named like TensorFlow's
    /// (`events.out.tfevents.%010d.HOSTNAME`; a `.N` suffix is added if that name is
    /// taken), and writes the `file_version` event.
    pub fn create(logdir: &Path) -> Result<EventWriter> {
        std::fs::create_dir_all(logdir).map_err(|source| Error::Io {
            path: logdir.to_path_buf(),
            source,
        })?;
        let seconds = wall_time_now() as u64;
        let base = format!("events.out.tfevents.{seconds:010}.{}", hostname());
        let mut n = 0u32;
        loop {
            let name = match n {
                0 => base.clone(),
                _ => format!("{base}.{n}"),
            };
            let path = logdir.join(name);
            match File::options().write(true).create_new(true).open(&path) {
                Ok(f) => return EventWriter::from_file(f, path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
    }

    /// Writes a new event file at exactly `path` (replacing it), starting with the
    /// `file_version` event.
    pub fn create_file(path: &Path) -> Result<EventWriter> {
        let f = File::create(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        EventWriter::from_file(f, path.to_path_buf())
    }

    fn from_file(f: File, path: PathBuf) -> Result<EventWriter> {
        let mut w = EventWriter {
            records: RecordWriter::new(BufWriter::new(f), path.clone()),
            path,
        };
        w.add_event(&file_version_event(wall_time_now()))?;
        Ok(w)
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an encoded `GraphDef` (TensorBoard's Graphs tab) and flushes.
    pub fn add_graph(&mut self, graph_def: &[u8]) -> Result<()> {
        self.add_event(&graph_event(wall_time_now(), graph_def))
    }

    /// Appends one event at `step` holding a scalar summary value per `(tag, value)`
    /// (TensorBoard's Scalars tab), and flushes.
    pub fn add_scalars(&mut self, step: i64, scalars: &[(&str, f32)]) -> Result<()> {
        self.add_event(&scalars_event(wall_time_now(), step, scalars))
    }

    /// Appends `SessionLog { status: START }` at `step` (a resumed run), so TensorBoard
    /// discards points an earlier, interrupted run logged after `step`; flushes.
    pub fn add_session_start(&mut self, step: i64) -> Result<()> {
        self.add_event(&session_start_event(wall_time_now(), step))
    }

    /// Appends any event and flushes.
    pub fn add_event(&mut self, event: &Event) -> Result<()> {
        self.records.write_record(&event.encode_to_vec())?;
        self.flush()
    }

    /// Flushes buffered records to the file.
    pub fn flush(&mut self) -> Result<()> {
        self.records.flush()
    }
}

/// This machine's host name (TensorFlow puts it in event file names), or `localhost`.
pub fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' => '_',
            c => c,
        })
        .filter(|c| !c.is_control())
        .collect();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_is_a_file_name_component() {
        let h = hostname();
        assert!(!h.is_empty());
        assert!(!h.contains('/'));
    }
}
