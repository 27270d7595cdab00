//! Tests of the whole report (the sections' own tests sit beside them).

use super::*;

fn timing(median_ms: f64) -> StepTiming {
    StepTiming {
        median_ms,
        min_ms: median_ms * 0.9,
        steps: 2000,
    }
}

fn sample() -> Report {
    Report {
        date: "2025-01-02".into(),
        nproc: 2,
        cpu_model: "Test CPU".into(),
        load_average: Some("0.50 0.40 0.30".into()),
        python: "Python 3.12.3".into(),
        tf_version: "2.21.0".into(),
        torch_version: None,
        warmup: 200,
        full_steps: 5000,
        quick: false,
        cairn: timing(1.0),
        cairn_gemm_ms: 0.8,
        tf_classic: timing(2.5),
        tf_function: timing(2.0),
        torch: Err("no module named torch".into()),
        cairn_full: FullRun {
            wall_s: 6.0,
            reported_s: 5.5,
            test_accuracy: 0.9835,
        },
        tf_full: FullRun {
            wall_s: 18.0,
            reported_s: 14.7,
            test_accuracy: 0.9837,
        },
        checkpoints: Err("skipped with --skip-checkpoint".into()),
        images: Err("skipped with --skip-images".into()),
        lenet: Err("skipped with --skip-lenet".into()),
    }
}

#[test]
fn ratios_use_the_fastest_available_other() -> Result<(), String> {
    let r = sample().ratios();
    assert_eq!(r.len(), 8);
    assert!(r[0].name.contains("TF tf.function"), "{}", r[0].name);
    let value = |r: &Ratio| r.value.clone().unwrap_or(f64::NAN);
    assert!((value(&r[0]) - 0.5).abs() < 1e-12 && r[0].met());
    assert!((value(&r[1]) - 1.25).abs() < 1e-12 && r[1].met());
    assert!((value(&r[2]) - 6.0 / 18.0).abs() < 1e-12 && r[2].met());
    for skipped in &r[3..] {
        assert!(!skipped.met() && skipped.value.is_err(), "{skipped:?}");
    }
    assert!(r[5].name.contains("InceptionV3") && r[5].name.contains("TensorFlow"));
    assert!(r[7].name.contains("LeNet"));

    let mut with_torch = sample();
    with_torch.torch = Ok(timing(1.25));
    let r = with_torch.ratios();
    assert!(r[0].name.contains("PyTorch"));
    assert!((value(&r[0]) - 0.8).abs() < 1e-12 && !r[0].met());
    Ok(())
}

#[test]
fn markdown_has_every_section() -> Result<(), String> {
    let md = sample().markdown();
    for needle in [
        "# Benchmarks",
        "2025-01-02",
        "Test CPU (`nproc` = 2)",
        "load average at the start: 0.50 0.40 0.30",
        "TensorFlow 2.21.0",
        "PyTorch not available",
        "| cairn (`cairn bench-mlp`) | 1.000 | 0.900 | 2000 |",
        "| cairn GEMM floor (its two big GEMMs alone) | 0.800 | | |",
        "not available (no module named torch)",
        "| 6.00 | 5.50 | 0.9835 |",
        "| cairn step / cairn GEMM floor | 1.250 | ≤ 1.3 | yes |",
        "## How to reproduce",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    assert!(!md.contains("(a smoke run"));
    let at = |needle: &str| md.find(needle).ok_or(format!("no {needle:?}"));
    assert!(at("## Promises")? < at("## Checkpoints")?);
    assert!(at("## Checkpoints")? < at("## How to reproduce")?);
    assert!(md.contains("Not measured in this run: skipped with --skip-checkpoint."));
    let mut quick = sample();
    quick.quick = true;
    assert!(quick.markdown().contains("(a smoke run"));
    Ok(())
}

#[test]
fn image_and_lenet_sections_and_promises() -> Result<(), String> {
    let skipped = sample().markdown();
    assert!(skipped.contains("## Image models\n\nNot measured in this run: skipped with"));
    assert!(skipped.contains(
        "| LeNet training step (batch 100): cairn / TensorFlow | skipped with --skip-lenet \
         | ≤ 0.5 | not measured |"
    ));
    let mut full = sample();
    full.images = Ok(images::tests::sample());
    full.lenet = Ok(lenet::tests::sample());
    let md = full.markdown();
    for needle in [
        "PyTorch not available, tract 0.23.9 (tract-tensorflow)",
        "| MobileNetV2 batch-1 latency: cairn / TensorFlow | 0.800 | ≤ 1 | yes |",
        "| MobileNetV2 batch-1 latency: cairn / tract | tract failed: no analyser | ≤ 0.8 \
         | not measured |",
        "| InceptionV3 batch-1 latency: cairn / tract | 0.900 | ≤ 0.8 | **no** |",
        "| LeNet training step (batch 100): cairn / TensorFlow | 0.750 | ≤ 0.5 | **no** |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    let at = |needle: &str| md.find(needle).ok_or(format!("no {needle:?}"));
    assert!(at("## Whole training run")? < at("## Image models")?);
    assert!(at("## Image models")? < at("## LeNet training step")?);
    assert!(at("## LeNet training step")? < at("## Promises")?);
    Ok(())
}
