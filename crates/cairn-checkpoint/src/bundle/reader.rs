//! [`BundleReader`]: reads tensors from a bundle, verifying everything it reads.

use super::entry::{shape_from_proto, slice_extents, BUNDLE_VERSION};
use super::naming::{data_filename, index_filename};
use super::shard::Shard;
use super::slice_key::{encode_slice_key, is_slice_key};
use super::{codec, raw, slices};
use crate::coding::unmask_crc;
use crate::table::Table;
use crate::{Error, Result};
use cairn_proto::tensorflow::{BundleEntryProto, BundleHeaderProto};
use cairn_tensor::{DType, Shape, Storage, Tensor};
use prost::Message;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The largest shard count accepted from a header.
const MAX_SHARDS: i32 = 1 << 20;

/// How data files are accessed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Memory-map data files instead of reading the bytes of each tensor. Opt-in: a
    /// map's contents change if another process modifies the file while it is mapped.
    pub mmap: bool,
}

/// What the index says about one tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The tensor's name.
    pub name: String,
    /// Its dtype.
    pub dtype: DType,
    /// Its (full) shape.
    pub shape: Shape,
    /// True for partitioned tensors stored as several slices.
    pub sliced: bool,
}

/// A tensor bundle opened for reading: the parsed index, and data shards opened on
/// first use.
#[derive(Debug)]
pub struct BundleReader {
    prefix: PathBuf,
    index_path: PathBuf,
    num_shards: u32,
    options: ReadOptions,
    entries: BTreeMap<Vec<u8>, BundleEntryProto>,
    shards: Mutex<Vec<Option<Arc<Shard>>>>,
}

/// A checked location of one entry's bytes.
pub(super) struct Located {
    pub(super) shard: Arc<Shard>,
    pub(super) offset: u64,
    pub(super) size: u64,
    pub(super) count: usize,
}

impl BundleReader {
    /// Opens the bundle at `prefix` (reading `PREFIX.index`), without memory maps.
    pub fn open(prefix: impl AsRef<Path>) -> Result<BundleReader> {
        BundleReader::open_with(prefix, ReadOptions::default())
    }

    /// Opens the bundle at `prefix` with `options`.
    pub fn open_with(prefix: impl AsRef<Path>, options: ReadOptions) -> Result<BundleReader> {
        let prefix = prefix.as_ref().to_path_buf();
        let index_path = index_filename(&prefix);
        let bytes = std::fs::read(&index_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::MissingFile {
                path: index_path.clone(),
                context: "index of a checkpoint".into(),
            },
            _ => Error::io(&index_path, e),
        })?;
        let table = Table::from_bytes(&index_path, bytes)?;
        let mut header = None;
        let mut entries = BTreeMap::new();
        table.for_each(|k, v| {
            let proto_err = |source| Error::Proto {
                path: index_path.clone(),
                key: String::from_utf8_lossy(k).into_owned(),
                source,
            };
            if k.is_empty() {
                header = Some(BundleHeaderProto::decode(v).map_err(proto_err)?);
            } else {
                entries.insert(k.to_vec(), BundleEntryProto::decode(v).map_err(proto_err)?);
            }
            Ok(())
        })?;
        let header =
            header.ok_or_else(|| Error::corrupt(&index_path, 0, "no header entry (empty key)"))?;
        let num_shards = check_header(&header).map_err(|w| Error::corrupt(&index_path, 0, w))?;
        Ok(BundleReader {
            prefix,
            index_path,
            num_shards,
            options,
            entries,
            shards: Mutex::new(vec![None; num_shards as usize]),
        })
    }

    /// The checkpoint prefix.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// Number of data shards.
    pub fn num_shards(&self) -> u32 {
        self.num_shards
    }

    /// Every tensor (not the slices of partitioned ones) in name order, with dtype and
    /// shape, from the index alone. Entries whose dtype cairn does not know or whose
    /// shape is invalid are left out ([`BundleReader::read`] explains why).
    pub fn list(&self) -> Vec<EntryInfo> {
        self.entries
            .iter()
            .filter(|(k, _)| !is_slice_key(k))
            .filter_map(|(k, e)| {
                Some(EntryInfo {
                    name: String::from_utf8_lossy(k).into_owned(),
                    dtype: DType::from_tf(e.dtype).filter(|d| d.as_tf() == e.dtype)?,
                    shape: shape_from_proto(e.shape.as_ref()).ok()?,
                    sliced: !e.slices.is_empty(),
                })
            })
            .collect()
    }

    /// Where tensor `name`'s bytes start in its data file (`None` for unknown or
    /// partitioned tensors).
    pub fn data_offset(&self, name: &str) -> Option<u64> {
        let e = self.entries.get(name.as_bytes())?;
        e.slices.is_empty().then_some(e.offset.max(0) as u64)
    }

    /// True if a tensor named `name` is stored.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name.as_bytes())
    }

    /// Reads tensor `name`, checking its CRC, its size against dtype and shape, and
    /// that its bytes lie inside the data file; partitioned tensors are assembled.
    pub fn read(&self, name: &str) -> Result<Tensor> {
        let entry = self.entry(name)?;
        let (dtype, shape) = self.dtype_shape(name, entry)?;
        if entry.slices.is_empty() {
            self.read_plain(name, entry, dtype, &shape)
        } else {
            self.read_sliced(name, entry, dtype, &shape)
        }
    }

    /// The index entry of `name`, or [`Error::NotFound`].
    pub(super) fn entry(&self, name: &str) -> Result<&BundleEntryProto> {
        self.entries
            .get(name.as_bytes())
            .ok_or_else(|| Error::NotFound {
                prefix: self.prefix.clone(),
                tensor: name.to_string(),
            })
    }

    pub(super) fn index_error(&self, tensor: &str, offset: i64, what: impl Into<String>) -> Error {
        Error::BadEntry {
            path: self.index_path.clone(),
            tensor: tensor.to_string(),
            offset: offset.max(0) as u64,
            what: what.into(),
        }
    }

    pub(super) fn dtype_shape(&self, name: &str, e: &BundleEntryProto) -> Result<(DType, Shape)> {
        let dtype = DType::from_tf(e.dtype)
            .filter(|d| d.as_tf() == e.dtype)
            .ok_or_else(|| {
                self.index_error(name, e.offset, format!("unsupported dtype {}", e.dtype))
            })?;
        let shape =
            shape_from_proto(e.shape.as_ref()).map_err(|w| self.index_error(name, e.offset, w))?;
        Ok((dtype, shape))
    }

    fn shard(&self, id: u32) -> Result<Arc<Shard>> {
        let mut shards = self.shards.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = &shards[id as usize] {
            return Ok(Arc::clone(s));
        }
        let path = data_filename(&self.prefix, id, self.num_shards);
        let s = Arc::new(Shard::open(&path, self.options.mmap, &self.prefix)?);
        shards[id as usize] = Some(Arc::clone(&s));
        Ok(s)
    }

    /// Checks an entry's shard, offset and size against its dtype, shape and data file,
    /// before anything is allocated for its contents.
    pub(super) fn locate(
        &self,
        name: &str,
        e: &BundleEntryProto,
        dtype: DType,
        shape: &Shape,
    ) -> Result<Located> {
        let count = shape
            .num_elements_checked()
            .map_err(|err| self.index_error(name, e.offset, err.to_string()))?;
        let shard_id = u32::try_from(e.shard_id)
            .ok()
            .filter(|s| *s < self.num_shards)
            .ok_or_else(|| {
                self.index_error(
                    name,
                    e.offset,
                    format!("shard id {} of {}", e.shard_id, self.num_shards),
                )
            })?;
        if e.offset < 0 || e.size < 0 {
            return Err(self.index_error(
                name,
                e.offset,
                format!("negative offset or size {}", e.size),
            ));
        }
        let (offset, size) = (e.offset as u64, e.size as u64);
        match dtype.size() {
            Some(width) => {
                let want = count.checked_mul(width).map(|w| w as u64);
                if want != Some(size) {
                    return Err(self.index_error(
                        name,
                        e.offset,
                        format!("{size} bytes stored but {dtype} {shape} needs {count} x {width}"),
                    ));
                }
            }
            None if count as u64 > size => {
                return Err(self.index_error(
                    name,
                    e.offset,
                    format!("{size} bytes cannot hold {count} strings"),
                ));
            }
            None => {}
        }
        let shard = self.shard(shard_id)?;
        let past_end = match offset.checked_add(size) {
            Some(end) => end > shard.len(),
            None => true,
        };
        if past_end {
            return Err(Error::BadEntry {
                path: shard.path().to_path_buf(),
                tensor: name.to_string(),
                offset,
                what: format!(
                    "{size} bytes run past the end of the {}-byte data file",
                    shard.len()
                ),
            });
        }
        Ok(Located {
            shard,
            offset,
            size,
            count,
        })
    }

    fn read_plain(
        &self,
        name: &str,
        e: &BundleEntryProto,
        dtype: DType,
        shape: &Shape,
    ) -> Result<Tensor> {
        let loc = self.locate(name, e, dtype, shape)?;
        let path = || loc.shard.path().to_path_buf();
        // Integers and floats: read straight into the tensor's storage (sizes were
        // checked by `locate`, so the storage has exactly `loc.size` bytes).
        let direct = raw::zeroed_for_read(dtype, loc.count).and_then(|mut storage| {
            let buf = raw::stored_bytes_mut(&mut storage).filter(|b| b.len() as u64 == loc.size)?;
            if loc.shard.is_mapped() {
                // Copies from a map fault in the fresh buffer from user space, where huge
                // pages pay off (measured: 2.9 → 3.8-4.3 GB/s); `pread` copies in the
                // kernel, where they did not (2.4-2.7 GB/s with them, 2.9-3.1 without).
                super::hugepages::advise(buf);
            }
            Some(
                loc.shard
                    .read_into(loc.offset, buf)
                    .map(|crc| (storage, crc)),
            )
        });
        let (storage, computed) = if let Some(done) = direct {
            done?
        } else if dtype == DType::String {
            let bytes = loc.shard.bytes(loc.offset, loc.size)?;
            let (v, crc) =
                codec::decode_strings(loc.count, &bytes).map_err(|d| Error::Corrupt {
                    path: path(),
                    offset: loc.offset + d.offset,
                    what: format!("tensor {name:?}: {}", d.what),
                })?;
            (Storage::String(v), crc)
        } else {
            let bytes = loc.shard.bytes(loc.offset, loc.size)?;
            (codec::decode_fixed(dtype, &bytes), crc32c::crc32c(&bytes))
        };
        let stored = unmask_crc(e.crc32c);
        if stored != computed {
            return Err(Error::TensorChecksum {
                path: path(),
                tensor: name.to_string(),
                offset: loc.offset,
                stored,
                computed,
            });
        }
        Tensor::new(shape.clone(), storage).map_err(|source| Error::Tensor {
            path: path(),
            tensor: name.to_string(),
            source,
        })
    }

    fn read_sliced(
        &self,
        name: &str,
        e: &BundleEntryProto,
        dtype: DType,
        shape: &Shape,
    ) -> Result<Tensor> {
        let full = shape.dims();
        // First check every slice entry (sizes against files) before allocating.
        let mut parts = Vec::with_capacity(e.slices.len().min(1 << 16));
        let mut total = 0usize;
        for s in &e.slices {
            let (spans, key_extents) =
                slice_extents(s, full).map_err(|w| self.index_error(name, e.offset, w))?;
            let key = encode_slice_key(name, &key_extents);
            let slice_entry = self.entries.get(&key).ok_or_else(|| {
                self.index_error(name, e.offset, format!("slice entry {spans:?} is missing"))
            })?;
            let slice_shape = Shape::from(spans.iter().map(|s| s.1).collect::<Vec<_>>());
            let (sdtype, sshape) = self.dtype_shape(name, slice_entry)?;
            if sdtype != dtype || sshape != slice_shape {
                return Err(self.index_error(
                    name,
                    slice_entry.offset,
                    format!("slice {spans:?} stored as {sdtype} {sshape}, expected {dtype} {slice_shape}"),
                ));
            }
            let loc = self.locate(name, slice_entry, dtype, &slice_shape)?;
            total = total.saturating_add(loc.count);
            parts.push((spans, slice_entry, slice_shape));
        }
        let count = shape.num_elements();
        if total != count {
            return Err(self.index_error(
                name,
                e.offset,
                format!("slices hold {total} elements, the tensor {shape} has {count}"),
            ));
        }
        let mut out = Tensor::zeros(dtype, shape.clone()).map_err(|source| Error::Tensor {
            path: self.index_path.clone(),
            tensor: name.to_string(),
            source,
        })?;
        let (out_shape, mut storage) = std::mem::take(&mut out).into_parts();
        let mut covered = vec![false; count];
        for (spans, slice_entry, slice_shape) in parts {
            let part = self.read_plain(name, slice_entry, dtype, &slice_shape)?;
            if slices::copy_storage(&mut storage, full, &spans, part.storage(), &mut covered)
                != Some(true)
            {
                return Err(self.index_error(
                    name,
                    slice_entry.offset,
                    format!("slice {spans:?} overlaps another"),
                ));
            }
        }
        Tensor::new(out_shape, storage).map_err(|source| Error::Tensor {
            path: self.index_path.clone(),
            tensor: name.to_string(),
            source,
        })
    }
}

/// Validates a header: shard count, endianness, version. Returns the shard count.
fn check_header(h: &BundleHeaderProto) -> Result<u32, String> {
    if !(1..=MAX_SHARDS).contains(&h.num_shards) {
        return Err(format!("bad shard count {} in the header", h.num_shards));
    }
    if h.endianness != 0 {
        return Err("big-endian bundles are not supported".into());
    }
    if let Some(v) = &h.version {
        if v.producer < 0
            || v.min_consumer > BUNDLE_VERSION
            || v.bad_consumers.contains(&BUNDLE_VERSION)
        {
            return Err(format!(
                "bundle version (producer {}, min consumer {}) cannot be read by version {BUNDLE_VERSION}",
                v.producer, v.min_consumer
            ));
        }
    }
    Ok(h.num_shards as u32)
}
