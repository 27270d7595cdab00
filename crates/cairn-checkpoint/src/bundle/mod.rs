//! Tensor bundles: TensorFlow's V2 checkpoint format.
//!
//! `PREFIX.index` is a [table](crate::table) whose empty key holds a
//! `BundleHeaderProto` and whose other keys (tensor names, sorted) hold
//! `BundleEntryProto`s: dtype, shape, shard, offset, size and masked CRC32C of the
//! tensor's bytes in `PREFIX.data-0000k-of-0000N`. Partitioned tensors have an entry
//! listing their slices, each stored under a key built by [`slice_key`].

mod codec;
mod entry;
mod flusher;
mod hugepages;
mod naming;
mod raw;
mod read_into;
mod read_many;
mod reader;
mod shard;
mod slice_key;
mod slices;
mod writer;

pub use naming::{data_filename, index_filename};
pub use reader::{BundleReader, EntryInfo, ReadOptions};
pub use writer::BundleWriter;

use crate::{Error, Result};
use std::path::Path;

/// Syncs the directory holding `prefix` so that renames in it are durable (a no-op
/// where directories cannot be opened, as on Windows).
pub(crate) fn fsync_dir(prefix: &Path) -> Result<()> {
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if cfg!(unix) {
        let f = std::fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
        f.sync_all().map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// `prefix` with `suffix` appended to its last component.
pub(crate) fn with_suffix_pub(prefix: &Path, suffix: &str) -> std::path::PathBuf {
    naming::with_suffix(prefix, suffix)
}
