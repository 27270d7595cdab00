//! Lies behind valid checksums, which random bytes almost never reach: the fuzzer's
//! bytes are wrapped so that every CRC is right.
//!
//! - first byte even: the rest is the contents of a table's data block (entries and
//!   restart array), placed in a table whose trailers, index block and footer are valid;
//!   the table is opened and walked.
//! - first byte odd: a little-endian u16 length, a `BundleEntryProto` for tensor "a" of
//!   that length, then the data file. A decodable entry gets the CRC32C of the data range
//!   it names (when the range lies in the file); the index is written by the crate's
//!   table builder; the bundle is opened and "a" read.
#![no_main]

use cairn_checkpoint::table::{BlockHandle, Footer, Table, TableBuilder, TableOptions};
use cairn_checkpoint::{data_filename, index_filename, mask_crc, BundleReader};
use cairn_proto::tensorflow::{BundleEntryProto, BundleHeaderProto, VersionDef};
use libfuzzer_sys::fuzz_target;
use prost::Message;

/// Appends `contents` with a valid block trailer (no compression).
fn block(contents: &[u8], out: &mut Vec<u8>) -> BlockHandle {
    let handle = BlockHandle {
        offset: out.len() as u64,
        size: contents.len() as u64,
    };
    out.extend_from_slice(contents);
    let crc = crc32c::crc32c_append(crc32c::crc32c(contents), &[0]);
    out.push(0);
    out.extend_from_slice(&mask_crc(crc).to_le_bytes());
    handle
}

fn forged_block(contents: &[u8]) {
    let mut file = Vec::new();
    let data = block(contents, &mut file);
    let mut index = vec![0, 1];
    let mut handle = Vec::new();
    data.encode(&mut handle);
    index.push(handle.len() as u8);
    index.push(0xff);
    index.extend_from_slice(&handle);
    index.extend_from_slice(&0u32.to_le_bytes());
    index.extend_from_slice(&1u32.to_le_bytes());
    let index = block(&index, &mut file);
    let mut empty = 0u32.to_le_bytes().to_vec();
    empty.extend_from_slice(&1u32.to_le_bytes());
    let metaindex = block(&empty, &mut file);
    file.extend_from_slice(&Footer { metaindex, index }.encode());
    if let Ok(t) = Table::from_bytes("forged.index", file) {
        let _ = t.entries();
        let _ = t.get(b"a");
    }
}

fn forged_bundle(bytes: &[u8]) -> Option<()> {
    let (len, rest) = bytes.split_first_chunk::<2>()?;
    let n = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    let (entry, data) = rest.split_at(n);
    let value = match BundleEntryProto::decode(entry) {
        Ok(mut e) => {
            let start = usize::try_from(e.offset).ok()?;
            let end = start.checked_add(usize::try_from(e.size).ok()?)?;
            if let Some(range) = data.get(start..end) {
                e.crc32c = mask_crc(crc32c::crc32c(range));
            }
            e.encode_to_vec()
        }
        Err(_) => entry.to_vec(),
    };
    let header = BundleHeaderProto {
        num_shards: 1,
        endianness: 0,
        version: Some(VersionDef {
            producer: 1,
            ..VersionDef::default()
        }),
    };
    let mut table = TableBuilder::new(Vec::new(), TableOptions::default());
    table.add(b"", &header.encode_to_vec()).ok()?;
    table.add(b"a", &value).ok()?;
    let index = table.finish().ok()?.0;
    let dir = tempfile::tempdir().ok()?;
    let prefix = dir.path().join("model.ckpt");
    std::fs::write(index_filename(&prefix), index).ok()?;
    std::fs::write(data_filename(&prefix, 0, 1), data).ok()?;
    let r = BundleReader::open(&prefix).ok()?;
    let _ = r.list();
    let _ = r.read("a");
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        forged_block(rest);
    } else {
        let _ = forged_bundle(rest);
    }
});
