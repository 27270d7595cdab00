//! Batch-1 latency of a frozen TensorFlow graph in tract, with the statistics and the
//! flags of `cairn bench`: one JSON line `{"median_ms", "min_ms", "max_ms", "runs",
//! "threads"}`.
//!
//! ```text
//! tract-bench MODEL.pb --feed NAME=INPUT.npy --fetch TENSOR [--runs N] [--warmup N]
//!             [--threads N] [--expect OUTPUT.npy]
//! ```
//!
//! The feed is a float32 `.npy` file (the one `cairn bench` and `bench_tf_graph.py` read);
//! its shape is the input fact. `--threads` (default 2) sizes tract's pool for matrix
//! products and element-wise work (`multithread-mm`). With `--expect`, the JSON also has
//! `max_abs_diff` between the fetched tensor and that file.

use std::time::Instant;
use tract_linalg::multithread::{set_default_executor, Executor};
use tract_tensorflow::prelude::tract_data::internal::{bail, format_err, TractErrorContext};
use tract_tensorflow::prelude::*;

const USAGE: &str = "usage: tract-bench MODEL.pb --feed NAME=INPUT.npy --fetch TENSOR \
                     [--runs N] [--warmup N] [--threads N] [--expect OUTPUT.npy]";

/// The command line.
struct Args {
    model: String,
    feed_name: String,
    feed_file: String,
    fetch: String,
    runs: usize,
    warmup: usize,
    threads: usize,
    expect: Option<String>,
}

fn parse_args(args: &[String]) -> TractResult<Args> {
    let [model, rest @ ..] = args else {
        bail!("{USAGE}");
    };
    let (mut feed, mut fetch, mut expect) = (None, None, None);
    let (mut runs, mut warmup, mut threads) = (20, 3, 2);
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value; {USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|e| format_err!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--feed" => feed = Some(value.clone()),
            "--fetch" => fetch = Some(value.clone()),
            "--expect" => expect = Some(value.clone()),
            "--runs" => runs = number()?,
            "--warmup" => warmup = number()?,
            "--threads" => threads = number()?,
            _ => bail!("unknown option {flag}; {USAGE}"),
        }
    }
    let feed = feed.with_context(|| format!("--feed is required; {USAGE}"))?;
    let (name, file) = feed
        .split_once('=')
        .with_context(|| format!("--feed wants NAME=FILE.npy, got {feed}"))?;
    if runs == 0 || threads == 0 {
        bail!("--runs and --threads must be at least 1");
    }
    Ok(Args {
        model: model.clone(),
        feed_name: name.trim_end_matches(":0").to_owned(),
        feed_file: file.to_owned(),
        fetch: fetch.with_context(|| format!("--fetch is required; {USAGE}"))?,
        runs,
        warmup,
        threads,
        expect,
    })
}

/// A float32, C-order, little-endian `.npy` file: shape and values.
fn read_npy(path: &str) -> TractResult<(Vec<usize>, Vec<f32>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("{path}: not a .npy file");
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => {
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (n as usize, 12)
        }
        v => bail!("{path}: unsupported .npy version {v}"),
    };
    let header = bytes
        .get(start..start + len)
        .with_context(|| format!("{path}: truncated header"))?;
    let header = std::str::from_utf8(header).with_context(|| format!("{path}: header"))?;
    if !header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False") {
        bail!("{path}: want little-endian float32 in C order, header is {header}");
    }
    let dims = header
        .split_once("'shape': (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .with_context(|| format!("{path}: no shape in {header}"))?
        .0
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{path}: bad shape in {header}"))?;
    let data = &bytes[start + len..];
    let n: usize = dims.iter().product();
    if data.len() != n * 4 {
        bail!("{path}: {} data bytes for shape {dims:?}", data.len());
    }
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((dims, values))
}

fn main() -> TractResult<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let a = parse_args(&argv)?;
    set_default_executor(Executor::multithread(a.threads));
    let (dims, data) = read_npy(&a.feed_file)?;
    let plan = tract_tensorflow::tensorflow()
        .model_for_path(&a.model)?
        .with_input_names([&a.feed_name])?
        .with_outputs_by_name([&a.fetch])?
        .with_input_fact(0, f32::fact(&dims).into())?
        .into_optimized()?
        .into_runnable()?;
    let input = Tensor::from_shape(&dims, &data)?;
    let mut times = Vec::with_capacity(a.runs);
    let mut last = None;
    for i in 0..a.warmup + a.runs {
        let t0 = Instant::now();
        let out = plan.run(tvec!(input.clone().into()))?;
        if i >= a.warmup {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        last = Some(out);
    }
    let diff = match (&a.expect, last) {
        (Some(path), Some(out)) => {
            let (want_dims, want) = read_npy(path)?;
            let got = out[0].to_plain_array_view::<f32>()?;
            if got.shape() != want_dims.as_slice() {
                bail!("output shape {:?}, {path} has {want_dims:?}", got.shape());
            }
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            format!(", \"max_abs_diff\": {d}")
        }
        _ => String::new(),
    };
    times.sort_by(f64::total_cmp);
    let runs = a.runs;
    let median = if runs % 2 == 1 {
        times[runs / 2]
    } else {
        (times[runs / 2 - 1] + times[runs / 2]) / 2.0
    };
    println!(
        "{{\"median_ms\": {median}, \"min_ms\": {}, \"max_ms\": {}, \"runs\": {runs}, \
         \"threads\": {}{diff}}}",
        times[0],
        times[runs - 1],
        a.threads
    );
    Ok(())
}
