//! `cairn bench`: latency of one graph run after warm-up, like `tract MODEL bench`.

use anyhow::{bail, Context, Result};
use cairn::graph::Session;
use cairn::tensor::{DType, Tensor};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `cairn bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The frozen graph (`.pb`, or `.pbtxt` as text).
    graph: PathBuf,
    /// `NAME=FILE.npy` feeds a file; `NAME=shape:1x224x224x3` feeds seeded random values
    /// in [-1, 1) (or 0..255 for uint8, 0..9 for integers) of the placeholder's dtype.
    #[arg(long = "feed", value_name = "NAME=SPEC")]
    feeds: Vec<String>,
    /// Tensors to fetch.
    #[arg(long = "fetch", value_name = "TENSOR", required = true)]
    fetches: Vec<String>,
    /// Timed runs.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Untimed runs first (plans, buffers and caches warm up).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Print `{"median_ms", "min_ms", "max_ms", "runs"}`.
    #[arg(long)]
    json: bool,
    /// Also print the time per op type over the timed runs, slowest first (to stderr).
    #[arg(long)]
    profile: bool,
}

fn with_index(s: &str) -> String {
    match s.rsplit_once(':') {
        Some((_, i)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => s.to_string(),
        _ => format!("{s}:0"),
    }
}

/// A small deterministic generator (xorshift), so benchmark inputs repeat.
fn random_tensor(dtype: DType, dims: &[usize]) -> Result<Tensor> {
    let n = cairn::tensor::Shape::from(dims.to_vec()).num_elements_checked()?;
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    Ok(match dtype {
        DType::Float32 => Tensor::from_vec(
            dims.to_vec(),
            (0..n)
                .map(|_| (next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
                .collect::<Vec<f32>>(),
        )?,
        DType::UInt8 => Tensor::from_vec(
            dims.to_vec(),
            (0..n).map(|_| next() as u8).collect::<Vec<u8>>(),
        )?,
        DType::Int32 => Tensor::from_vec(
            dims.to_vec(),
            (0..n).map(|_| (next() % 10) as i32).collect::<Vec<i32>>(),
        )?,
        DType::Int64 => Tensor::from_vec(
            dims.to_vec(),
            (0..n).map(|_| (next() % 10) as i64).collect::<Vec<i64>>(),
        )?,
        d => bail!("cannot make random {d} values: feed a .npy file"),
    })
}

fn parse_feed(session: &Session, spec: &str) -> Result<(String, Tensor)> {
    let (name, value) = spec
        .split_once('=')
        .with_context(|| format!("--feed '{spec}' is not NAME=FILE.npy or NAME=shape:AxBxC"))?;
    let name = with_index(name);
    if let Some(shape) = value.strip_prefix("shape:") {
        let dims = shape
            .split('x')
            .map(|d| d.trim().parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("--feed {name}: '{shape}' is not a shape like 1x224x224x3"))?;
        let out = session.graph().output_by_name(&name)?;
        let dtype = session.graph().dtype(out).unwrap_or(DType::Float32);
        return Ok((name, random_tensor(dtype, &dims)?));
    }
    let path = std::path::Path::new(value);
    let bytes = std::fs::read(path).with_context(|| format!("reading {value}"))?;
    let t = cairn_formats::npy::decode(&bytes, path, None, &name)?;
    Ok((name, t))
}

/// Median, min and max of durations in milliseconds (median of an even count: the mean of
/// the middle two).
pub fn stats(ms: &mut [f64]) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let median = if n % 2 == 1 {
        ms[n / 2]
    } else {
        (ms[n / 2 - 1] + ms[n / 2]) / 2.0
    };
    (median, ms[0], ms[n - 1])
}

/// Per op type: total milliseconds per run and node count, slowest first.
fn print_profile(session: &Session, runs: usize) {
    let mut by_op: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    for (_, op, _, d) in session.profile() {
        let e = by_op.entry(op).or_default();
        e.0 += d.as_secs_f64() * 1e3 / runs as f64;
        e.1 += 1;
    }
    let mut v: Vec<_> = by_op.into_iter().collect();
    v.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
    for (op, (ms, nodes)) in v {
        eprintln!("{ms:10.3} ms/run  {nodes:5} nodes  {op}");
    }
    let mut nodes = session.profile();
    nodes.sort_by_key(|n| std::cmp::Reverse(n.3));
    eprintln!("slowest nodes:");
    for (name, op, _, d) in nodes.iter().take(15) {
        let ms = d.as_secs_f64() * 1e3 / runs as f64;
        eprintln!("{ms:10.3} ms/run  {op}  {name}");
    }
}

/// Runs `cairn bench`.
pub fn run(a: BenchArgs) -> Result<()> {
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let (graph, _) = super::run::load_graph(&a.graph)?;
    let mut session = Session::new(graph);
    let feeds = a
        .feeds
        .iter()
        .map(|f| parse_feed(&session, f))
        .collect::<Result<Vec<_>>>()?;
    let feed_refs: Vec<(&str, &Tensor)> = feeds.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let fetches: Vec<String> = a.fetches.iter().map(|f| with_index(f)).collect();
    let fetch_refs: Vec<&str> = fetches.iter().map(String::as_str).collect();
    let mut times = Vec::with_capacity(a.runs);
    for i in 0..a.warmup + a.runs {
        let t0 = Instant::now();
        session
            .run_with(&feed_refs, &fetch_refs, &[], |_| {})
            .with_context(|| format!("running {}", a.graph.display()))?;
        if i >= a.warmup {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        if a.profile && i + 1 == a.warmup {
            session.set_profiling(true);
        }
    }
    if a.profile {
        print_profile(&session, a.runs);
    }
    let (median, min, max) = stats(&mut times);
    if a.json {
        println!(
            "{}",
            serde_json::json!({"median_ms": median, "min_ms": min, "max_ms": max, "runs": a.runs})
        );
    } else {
        println!(
            "{}: median {median:.3} ms, min {min:.3} ms, max {max:.3} ms ({} runs after {} warm-up)",
            a.graph.display(),
            a.runs,
            a.warmup
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::stats;

    #[test]
    fn median_min_max() {
        assert_eq!(stats(&mut [3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(stats(&mut [4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    }
}
