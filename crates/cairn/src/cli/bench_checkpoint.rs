//! `cairn bench-checkpoint`: how fast cairn saves and restores a big checkpoint.
//!
//! Builds `--tensors` float32 tensors totalling `--size-mb` MiB with deterministic
//! contents, then times, `--repeats` times each (medians reported):
//! - **save**: `BundleWriter::new` + `add` of every tensor + `finish` (which fsyncs both
//!   files, renames them into place and fsyncs the directory);
//! - **restore** of every tensor from the page cache (after one untimed warm-up read that
//!   also checks the values), with `ReadOptions { mmap: false }` and with `mmap: true`,
//!   both into fresh tensors (`BundleReader::read_many`, what `Saver::restore` uses:
//!   several tensors at once on rayon's threads) and into existing ones
//!   (`BundleReader::read_into_many`, as when restoring a model's variables), and into
//!   fresh tensors one after the other on one thread (`BundleReader::read`);
//! - **fresh memory**: allocating and touching as many bytes as the tensors hold, the
//!   floor of any restore into fresh tensors (page faults, expensive in VMs);
//! - **one tensor**: opening the bundle and reading the middle tensor alone;
//! - **list**: opening the bundle and listing its entries.
//!
//! Used by `cargo xtask bench`; `--json` prints one JSON object (seconds and GB/s, with
//! GB = 10⁹ bytes, as `dd` counts).

use anyhow::{bail, ensure, Context, Result};
use cairn::checkpoint::{data_filename, index_filename, BundleReader, BundleWriter, ReadOptions};
use cairn::tensor::Tensor;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `cairn bench-checkpoint`.
#[derive(Args, Debug)]
pub struct BenchCheckpointArgs {
    /// Directory to write the checkpoint in (on the disk to measure); created if needed.
    #[arg(long)]
    dir: PathBuf,
    /// Total size of the tensors, MiB.
    #[arg(long, default_value_t = 1024)]
    size_mb: u64,
    /// Number of float32 tensors (the size is split evenly between them).
    #[arg(long, default_value_t = 256)]
    tensors: u64,
    /// Timed repetitions of each measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Keep the checkpoint files afterwards.
    #[arg(long)]
    keep: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Median of `v` (sorted in place); NaN when empty.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Times `f` `n` times; returns every duration in seconds.
fn time_n(n: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let s = Instant::now();
        f()?;
        out.push(s.elapsed().as_secs_f64());
    }
    Ok(out)
}

/// Tensor `t`'s deterministic contents: a cheap integer hash of (tensor, index), scaled
/// to small floats (no two neighbouring values equal, nothing compressible).
fn contents(t: u64, n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let h = (i ^ (t << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((h >> 40) as f32 - 8_388_608.0) * 1e-7
        })
        .collect()
}

fn tensor_name(t: u64) -> String {
    format!("bench/var_{t:04}")
}

fn remove_bundle(prefix: &Path) {
    let _ = std::fs::remove_file(index_filename(prefix));
    let _ = std::fs::remove_file(data_filename(prefix, 0, 1));
}

fn read_all(prefix: &Path, mmap: bool) -> Result<Vec<Tensor>> {
    let r = BundleReader::open_with(prefix, ReadOptions { mmap })?;
    let names: Vec<String> = r.list().into_iter().map(|e| e.name).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(r.read_many(&refs)?)
}

/// One tensor after the other on one thread (`BundleReader::read`).
fn read_all_sequential(prefix: &Path) -> Result<Vec<Tensor>> {
    let r = BundleReader::open(prefix)?;
    r.list()
        .iter()
        .map(|e| r.read(&e.name).map_err(Into::into))
        .collect()
}

fn read_all_into(prefix: &Path, mmap: bool, out: &mut [(String, Tensor)]) -> Result<()> {
    let r = BundleReader::open_with(prefix, ReadOptions { mmap })?;
    let mut items: Vec<(&str, &mut Tensor)> =
        out.iter_mut().map(|(n, t)| (n.as_str(), t)).collect();
    Ok(r.read_into_many(&mut items)?)
}

/// Allocates `n` tensors of `per` floats and writes one element per 4 KiB page.
fn touch_fresh(n: u64, per: usize) -> Vec<Vec<f32>> {
    (0..n)
        .map(|_| {
            let mut v = vec![0f32; per];
            v.iter_mut().step_by(1024).for_each(|x| *x = 1.0);
            std::hint::black_box(v)
        })
        .collect()
}

pub fn run(a: BenchCheckpointArgs) -> Result<()> {
    ensure!(a.tensors > 0, "--tensors must be at least 1");
    ensure!(a.repeats > 0, "--repeats must be at least 1");
    let total = a
        .size_mb
        .checked_mul(1 << 20)
        .context("--size-mb is too large")?;
    let per = usize::try_from(total / a.tensors / 4).context("tensors too large")?;
    ensure!(
        per > 0,
        "--size-mb {} is too small for {} tensors",
        a.size_mb,
        a.tensors
    );
    let bytes = per as u64 * 4 * a.tensors;
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    let prefix = a.dir.join("bench-checkpoint.ckpt");

    let tensors = (0..a.tensors)
        .map(|t| Ok((tensor_name(t), Tensor::from_vec([per], contents(t, per))?)))
        .collect::<Result<Vec<_>>>()?;

    let mut save = time_n(a.repeats, || {
        remove_bundle(&prefix);
        let mut w = BundleWriter::new(&prefix)?;
        for (name, t) in &tensors {
            w.add(name, t)?;
        }
        w.finish()?;
        Ok(())
    })?;

    // Warm-up: brings the data into the page cache and checks every value.
    let back = read_all(&prefix, false)?;
    if back.len() != tensors.len() || back.iter().zip(&tensors).any(|(b, (_, t))| b != t) {
        bail!("the checkpoint read back differs from what was saved");
    }
    drop(back);

    let mut restore = time_n(a.repeats, || read_all(&prefix, false).map(drop))?;
    let mut restore_mmap = time_n(a.repeats, || read_all(&prefix, true).map(drop))?;
    let mut restore_seq = time_n(a.repeats, || read_all_sequential(&prefix).map(drop))?;
    let mut fresh = time_n(a.repeats, || {
        drop(touch_fresh(a.tensors, per));
        Ok(())
    })?;
    let mut vars: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(n, t)| {
            (
                n.clone(),
                Tensor::zeros(t.dtype(), t.dims()).unwrap_or_default(),
            )
        })
        .collect();
    read_all_into(&prefix, false, &mut vars)?;
    if vars.iter().zip(&tensors).any(|(v, t)| v.1 != t.1) {
        bail!("the checkpoint read back into existing tensors differs from what was saved");
    }
    let mut into = time_n(a.repeats, || read_all_into(&prefix, false, &mut vars))?;
    let mut into_mmap = time_n(a.repeats, || read_all_into(&prefix, true, &mut vars))?;
    drop(vars);
    let middle = tensor_name(a.tensors / 2);
    let n_small = a.repeats.max(5);
    let one = |mmap| {
        time_n(n_small, || {
            let r = BundleReader::open_with(&prefix, ReadOptions { mmap })?;
            r.read(&middle)?;
            Ok(())
        })
    };
    let mut one_read = one(false)?;
    let mut one_mmap = one(true)?;
    let mut list = time_n(n_small, || {
        let r = BundleReader::open(&prefix)?;
        ensure!(r.list().len() == tensors.len(), "wrong number of entries");
        Ok(())
    })?;
    if !a.keep {
        remove_bundle(&prefix);
    }

    let gbps = |s: f64| bytes as f64 / s / 1e9;
    let save_all = save.clone();
    let (save_s, restore_s, mmap_s) = (
        median(&mut save),
        median(&mut restore),
        median(&mut restore_mmap),
    );
    let (fresh_s, into_s, into_mmap_s) = (
        median(&mut fresh),
        median(&mut into),
        median(&mut into_mmap),
    );
    let seq_s = median(&mut restore_seq);
    let (one_s, one_mmap_s, list_s) = (
        median(&mut one_read),
        median(&mut one_mmap),
        median(&mut list),
    );
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "bytes": bytes,
                "tensors": a.tensors,
                "tensor_bytes": per * 4,
                "repeats": a.repeats,
                "save_seconds": save_s,
                "save_seconds_each": save_all,
                "save_gbps": gbps(save_s),
                "restore_seconds": restore_s,
                "restore_gbps": gbps(restore_s),
                "restore_sequential_seconds": seq_s,
                "restore_sequential_gbps": gbps(seq_s),
                "restore_mmap_seconds": mmap_s,
                "restore_mmap_gbps": gbps(mmap_s),
                "restore_into_seconds": into_s,
                "restore_into_gbps": gbps(into_s),
                "restore_into_mmap_seconds": into_mmap_s,
                "restore_into_mmap_gbps": gbps(into_mmap_s),
                "fresh_memory_seconds": fresh_s,
                "fresh_memory_gbps": gbps(fresh_s),
                "one_tensor_seconds": one_s,
                "one_tensor_mmap_seconds": one_mmap_s,
                "list_seconds": list_s,
            })
        );
    } else {
        println!(
            "{} tensors, {:.3} GB: save {save_s:.3} s ({:.2} GB/s, fsync included); restore into new tensors {restore_s:.3} s ({:.2} GB/s), with mmap {mmap_s:.3} s ({:.2} GB/s), one by one on one thread {seq_s:.3} s ({:.2} GB/s); into existing tensors {into_s:.3} s ({:.2} GB/s), with mmap {into_mmap_s:.3} s ({:.2} GB/s); touching fresh memory {fresh_s:.3} s; one {} KiB tensor {:.2} ms (mmap {:.2} ms); list {:.2} ms",
            a.tensors,
            bytes as f64 / 1e9,
            gbps(save_s),
            gbps(restore_s),
            gbps(mmap_s),
            gbps(seq_s),
            gbps(into_s),
            gbps(into_mmap_s),
            per * 4 / 1024,
            one_s * 1e3,
            one_mmap_s * 1e3,
            list_s * 1e3,
        );
    }
    Ok(())
}
