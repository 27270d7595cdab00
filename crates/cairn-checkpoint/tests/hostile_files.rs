//! Hand-made hostile checkpoints: every CRC is valid, the contents lie. Shared by this
//! crate's tests (`hostile.rs`, in-process typed errors) and by the `cairn` CLI tests
//! (`cairn inspect --verify` under a 4 GB address-space limit), hence only `std` and
//! `cairn_checkpoint`: protobufs and CRCs are encoded by hand here.

use cairn_checkpoint::table::{BlockHandle, Footer, TableBuilder, TableOptions};
use cairn_checkpoint::{data_filename, index_filename, mask_crc};
use std::path::{Path, PathBuf};

/// One hostile checkpoint on disk.
pub struct Hostile {
    /// What it lies about.
    pub name: &'static str,
    /// Its prefix (`DIR/NAME/model.ckpt`).
    pub prefix: PathBuf,
}

/// CRC-32C (Castagnoli), bit by bit: slow, obviously right, independent of the crate's.
pub fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A varint field (negative values as TensorFlow's int64: ten bytes).
fn int_field(field: u32, v: i64, out: &mut Vec<u8>) {
    varint(u64::from(field << 3), out);
    varint(v as u64, out);
}

fn bytes_field(field: u32, v: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(field << 3 | 2), out);
    varint(v.len() as u64, out);
    out.extend_from_slice(v);
}

/// `BundleHeaderProto { num_shards, endianness: LITTLE, version { producer: 1 } }`.
fn header(num_shards: i64) -> Vec<u8> {
    let mut version = Vec::new();
    int_field(1, 1, &mut version);
    let mut h = Vec::new();
    int_field(1, num_shards, &mut h);
    bytes_field(3, &version, &mut h);
    h
}

/// `TensorShapeProto` with these dimension sizes.
fn shape(dims: &[i64]) -> Vec<u8> {
    let mut s = Vec::new();
    for &d in dims {
        let mut dim = Vec::new();
        int_field(1, d, &mut dim);
        bytes_field(2, &dim, &mut s);
    }
    s
}

/// `BundleEntryProto { dtype, shape, shard_id: 0, offset, size, crc32c }`.
fn entry(dtype: i64, dims: &[i64], offset: i64, size: i64, crc: u32) -> Vec<u8> {
    let mut e = Vec::new();
    int_field(1, dtype, &mut e);
    bytes_field(2, &shape(dims), &mut e);
    int_field(4, offset, &mut e);
    int_field(5, size, &mut e);
    varint(6 << 3 | 5, &mut e);
    e.extend_from_slice(&mask_crc(crc).to_le_bytes());
    e
}

/// A valid table (real CRCs, built by the crate's builder) of these sorted entries.
fn table(entries: &[(&[u8], Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut b = TableBuilder::new(Vec::new(), TableOptions::default());
    for (k, v) in entries {
        b.add(k, v)?;
    }
    Ok(b.finish()?.0)
}

/// A block with its trailer (no compression, valid masked CRC).
fn raw_block(contents: &[u8], out: &mut Vec<u8>) -> BlockHandle {
    let h = BlockHandle {
        offset: out.len() as u64,
        size: contents.len() as u64,
    };
    out.extend_from_slice(contents);
    let mut crc_input = contents.to_vec();
    crc_input.push(0);
    out.push(0);
    out.extend_from_slice(&mask_crc(crc32c(&crc_input)).to_le_bytes());
    h
}

/// One block entry with no shared key prefix.
fn block_entry(key: &[u8], value: &[u8], out: &mut Vec<u8>) {
    varint(0, out);
    varint(key.len() as u64, out);
    varint(value.len() as u64, out);
    out.extend_from_slice(key);
    out.extend_from_slice(value);
}

/// A table whose index block points at `data_handle` and whose data block is `data`
/// (both with valid CRCs).
fn raw_table(data: &[u8], data_handle: Option<BlockHandle>) -> Vec<u8> {
    let mut out = Vec::new();
    let real = raw_block(data, &mut out);
    let mut handle = Vec::new();
    data_handle.unwrap_or(real).encode(&mut handle);
    let mut index = Vec::new();
    block_entry(b"\xff", &handle, &mut index);
    index.extend_from_slice(&0u32.to_le_bytes());
    index.extend_from_slice(&1u32.to_le_bytes());
    let index_handle = raw_block(&index, &mut out);
    let mut empty = 0u32.to_le_bytes().to_vec();
    empty.extend_from_slice(&1u32.to_le_bytes());
    let meta = raw_block(&empty, &mut out);
    out.extend_from_slice(
        &Footer {
            metaindex: meta,
            index: index_handle,
        }
        .encode(),
    );
    out
}

/// Writes every hostile checkpoint under `dir` and returns them.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<Hostile>> {
    let data = 7f32.to_le_bytes().repeat(6);
    let crc = crc32c(&data);
    let f32 = 1;
    let ok_header = header(1);
    let one = |dims: &[i64], offset: i64, size: i64| -> std::io::Result<Vec<u8>> {
        table(&[
            (b"", ok_header.clone()),
            (b"a", entry(f32, dims, offset, size, crc)),
        ])
    };
    let mut restart_lie = Vec::new();
    block_entry(b"", &ok_header, &mut restart_lie);
    restart_lie.extend_from_slice(&0u32.to_le_bytes());
    restart_lie.extend_from_slice(&1_000_000u32.to_le_bytes());
    // One string of 2^62 bytes: its length varint, then the masked CRC of the lengths
    // (each as 8 little-endian bytes when it exceeds u32), and no bytes at all.
    let long: u64 = 1 << 62;
    let lengths_crc = mask_crc(crc32c(&long.to_le_bytes())).to_le_bytes();
    let mut string_lie = Vec::new();
    varint(long, &mut string_lie);
    string_lie.extend_from_slice(&lengths_crc);
    let string_crc = crc32c(&[&long.to_le_bytes()[..], &lengths_crc].concat());
    let mut cases: Vec<(&'static str, Vec<u8>, Vec<u8>)> = vec![
        (
            "overflowing_element_count",
            one(&[1 << 40, 1 << 40], 0, 24)?,
            data.clone(),
        ),
        ("2e60_elements", one(&[1 << 60], 0, 4 << 60)?, data.clone()),
        ("negative_dimension", one(&[-5, 2], 0, 24)?, data.clone()),
        ("255_dimensions", one(&[1; 255], 0, 4)?, data.clone()),
        (
            "unknown_dtype",
            table(&[
                (b"", ok_header.clone()),
                (b"a", entry(999, &[6], 0, 24, crc)),
            ])?,
            data.clone(),
        ),
        ("offset_past_end", one(&[6], 1 << 40, 24)?, data.clone()),
        ("size_past_end", one(&[6], 8, 24)?, data.clone()),
        (
            "string_length_2e62",
            table(&[
                (b"", ok_header.clone()),
                (b"a", entry(7, &[1], 0, string_lie.len() as i64, string_crc)),
            ])?,
            string_lie,
        ),
        (
            "absurd_shard_count",
            table(&[
                (b"", header(i64::from(i32::MAX))),
                (b"a", entry(f32, &[6], 0, 24, crc)),
            ])?,
            data.clone(),
        ),
        (
            "negative_shard_count",
            table(&[(b"", header(-3)), (b"a", entry(f32, &[6], 0, 24, crc))])?,
            data.clone(),
        ),
        (
            "block_handle_past_end",
            raw_table(
                &[0; 8],
                Some(BlockHandle {
                    offset: 1 << 50,
                    size: 1 << 40,
                }),
            ),
            data.clone(),
        ),
        (
            "restart_array_longer_than_block",
            raw_table(&restart_lie, None),
            data.clone(),
        ),
        (
            "huge_protobuf_length",
            table(&[
                (b"", ok_header.clone()),
                (b"a", {
                    let mut e = Vec::new();
                    varint(2 << 3 | 2, &mut e);
                    varint(1 << 62, &mut e);
                    e
                }),
            ])?,
            data.clone(),
        ),
        (
            "deeply_nested_protobuf",
            table(&[
                (b"", ok_header.clone()),
                (b"a", {
                    // 50 000 nested groups (start-group tags of an unknown field): a decoder
                    // that recursed without a limit would overflow its stack.
                    let mut m = Vec::new();
                    for _ in 0..50_000 {
                        varint(15 << 3 | 3, &mut m);
                    }
                    m
                }),
            ])?,
            data.clone(),
        ),
    ];
    let mut out = Vec::new();
    for (name, index, shard) in cases.drain(..) {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub)?;
        let prefix = sub.join("model.ckpt");
        std::fs::write(index_filename(&prefix), index)?;
        std::fs::write(data_filename(&prefix, 0, 1), shard)?;
        out.push(Hostile { name, prefix });
    }
    Ok(out)
}
