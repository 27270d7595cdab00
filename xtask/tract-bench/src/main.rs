//! Batch-1 latency of a frozen TensorFlow graph in tract, with the statistics of
//! `cairn bench`: one JSON line `{"median_ms", "min_ms", "max_ms", "runs"}`.

use std::time::Instant;
use tract_tensorflow::prelude::*;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, model, shape, rest @ ..] = args.as_slice() else {
        eprintln!("usage: tract-bench MODEL.pb 1x224x224x3 [RUNS] [WARMUP]");
        std::process::exit(2);
    };
    let runs: usize = rest.first().map_or(Ok(20), |s| s.parse())?;
    let warmup: usize = rest.get(1).map_or(Ok(3), |s| s.parse())?;
    let dims: Vec<usize> = shape.split('x').map(|d| d.parse()).collect::<Result<_, _>>()?;
    let plan = tract_tensorflow::tensorflow()
        .model_for_path(model)?
        .with_input_fact(0, f32::fact(&dims).into())?
        .into_optimized()?
        .into_runnable()?;
    let n: usize = dims.iter().product();
    let data: Vec<f32> = (0..n).map(|i| ((i * 7919) % 2000) as f32 / 1000.0 - 1.0).collect();
    let input = Tensor::from_shape(&dims, &data)?;
    let mut times = Vec::with_capacity(runs);
    for i in 0..warmup + runs {
        let t0 = Instant::now();
        plan.run(tvec!(input.clone().into()))?;
        if i >= warmup {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = if runs % 2 == 1 {
        times[runs / 2]
    } else {
        (times[runs / 2 - 1] + times[runs / 2]) / 2.0
    };
    println!(
        "{{\"median_ms\": {median}, \"min_ms\": {}, \"max_ms\": {}, \"runs\": {runs}}}",
        times[0],
        times[runs - 1]
    );
    Ok(())
}
