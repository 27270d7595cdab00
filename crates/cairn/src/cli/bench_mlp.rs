//! `cairn bench-mlp`: median time of a training step (the MLP by default, or `--model
//! lenet`), and for the MLP, of its two big GEMMs alone.

use anyhow::Result;
use cairn::models::ModelKind;
use cairn::tensor::{kernels, Tensor};
use cairn::{TrainOptions, Trainer};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

/// The model whose training step is timed.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Model {
    Softmax,
    Mlp,
    Lenet,
}

/// Options of `cairn bench-mlp`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Directory holding the MNIST files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mnist"))]
    data: PathBuf,
    /// The model (`mlp`: also times its two big GEMMs alone).
    #[arg(long, value_enum, default_value = "mlp")]
    model: Model,
    /// Timed steps.
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also print the time spent in each op of the training step (to stderr).
    #[arg(long)]
    profile: bool,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

pub fn run(a: BenchArgs) -> Result<()> {
    let data = cairn::mnist::load(&a.data)?;
    let kind = match a.model {
        Model::Softmax => ModelKind::Softmax,
        Model::Mlp => ModelKind::Mlp,
        Model::Lenet => ModelKind::Lenet,
    };
    let mut t = Trainer::new(data, &TrainOptions::defaults(kind))?;
    for _ in 0..a.warmup {
        t.step()?;
    }
    t.session().set_profiling(a.profile);
    let mut times = Vec::with_capacity(a.steps);
    for _ in 0..a.steps {
        let s = Instant::now();
        t.step()?;
        times.push(s.elapsed().as_secs_f64() * 1e3);
    }
    if a.profile {
        let prof = t.session().profile();
        let total: f64 = prof.iter().map(|p| p.3.as_secs_f64()).sum();
        eprintln!("{:>9} {:>6}  op  node", "ms/step", "share");
        for (name, op, runs, d) in prof.iter().take(25) {
            let ms = d.as_secs_f64() * 1e3 / (*runs).max(1) as f64;
            eprintln!(
                "{ms:>9.4} {:>5.1}%  {op}  {name}",
                d.as_secs_f64() / total * 100.0
            );
        }
        eprintln!(
            "{:>9.4} total in kernels",
            total * 1e3 / a.steps.max(1) as f64
        );
        t.session().set_profiling(false);
    }
    let step_min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let step_median = median(&mut times);
    if kind != ModelKind::Mlp {
        if a.json {
            println!(
                "{}",
                serde_json::json!({
                    "model": kind.name(),
                    "step_ms_median": step_median,
                    "step_ms_min": step_min,
                    "steps": a.steps,
                })
            );
        } else {
            println!(
                "{} step: median {step_median:.3} ms, min {step_min:.3} ms",
                kind.name()
            );
        }
        return Ok(());
    }

    // The floor: the forward x·W1 and the weight gradient xᵀ·dh alone, on real batches.
    let w1 = t
        .session()
        .variables()
        .get("layer1/weights")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no layer1/weights"))?;
    let train = &t.data().train;
    let mut gemm = Vec::with_capacity(a.steps);
    let (mut h, mut dw) = (Tensor::default(), Tensor::default());
    let dh = Tensor::from_vec(
        [100usize, 500],
        (0..50000)
            .map(|i| ((i % 97) as f32 - 48.0) * 1e-3)
            .collect(),
    )?;
    let n_batches = train.len() / 100;
    let mut imgs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..(a.warmup + a.steps) {
        let b = i % n_batches;
        let idx: Vec<usize> = (b * 100..b * 100 + 100).collect();
        train.gather(&idx, &mut imgs, &mut labels);
        let x = Tensor::from_vec([100usize, 784], std::mem::take(&mut imgs))?;
        // Under the same conditions as a session run: the other pool threads spinning.
        let s = Instant::now();
        kernels::spinning(|| -> Result<()> {
            kernels::matmul(&x, &w1, false, false, &mut h)?;
            kernels::matmul(&x, &dh, true, false, &mut dw)?;
            Ok(())
        })?;
        let el = s.elapsed().as_secs_f64() * 1e3;
        if i >= a.warmup {
            gemm.push(el);
        }
        imgs = match x.into_parts().1 {
            cairn::tensor::Storage::F32(v) => v,
            _ => Vec::new(),
        };
    }
    let gemm_median = median(&mut gemm);
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "model": "mlp",
                "step_ms_median": step_median,
                "step_ms_min": step_min,
                "gemm_ms_median": gemm_median,
                "steps": a.steps,
            })
        );
    } else {
        println!("step: median {step_median:.3} ms, min {step_min:.3} ms; two big GEMMs alone: median {gemm_median:.3} ms");
    }
    Ok(())
}
