//! LeNet: `cairn train --model lenet` end to end, and TensorFlow's frozen (reduced-width)
//! LeNet run by cairn (`fixtures/lenet/lenet_small.pb`, `xtask/python/fixtures_lenet.py`).

use super::{cairn, data_dir, TestResult};
use cairn::graph::graphdef::from_graph_def_bytes;
use cairn::graph::{AttrValue, Graph, Session};
use cairn::tensor::Tensor;
use std::path::Path;

/// A small MNIST in `dir`: the first 5 100 training images (5 000 validation + 100
/// train) and the first `test` test images, so that a CLI run evaluates quickly.
fn small_mnist(dir: &Path, test: usize) -> TestResult {
    let m = cairn::mnist::load(Path::new(data_dir()))?;
    let bytes = |v: &[f32]| {
        v.iter()
            .map(|&p| (p * 255.0).round() as u8)
            .collect::<Vec<u8>>()
    };
    let train_n = 5100;
    let mut images = bytes(&m.validation.images);
    images.extend(bytes(&m.train.images[..100 * 784]));
    let mut labels = m.validation.labels.clone();
    labels.extend(&m.train.labels[..100]);
    let w = cairn::mnist::write_idx;
    w(
        dir.join("train-images-idx3-ubyte"),
        &[train_n, 28, 28],
        &images,
        false,
    )?;
    w(
        dir.join("train-labels-idx1-ubyte"),
        &[train_n],
        &labels,
        false,
    )?;
    w(
        dir.join("t10k-images-idx3-ubyte"),
        &[test, 28, 28],
        &bytes(&m.test.images[..test * 784]),
        false,
    )?;
    w(
        dir.join("t10k-labels-idx1-ubyte"),
        &[test],
        &m.test.labels[..test],
        false,
    )?;
    Ok(())
}

#[test]
fn train_lenet_runs_and_reports_the_mlp_json() -> TestResult {
    let tmp = tempfile::tempdir()?;
    small_mnist(tmp.path(), 200)?;
    let save = tmp.path().join("ckpt");
    let out = cairn()
        .args([
            "train",
            "--model",
            "lenet",
            "--steps",
            "30",
            "--log-every",
            "0",
        ])
        .args(["--batch-size", "50", "--json", "--save-every", "0"])
        .arg("--data")
        .arg(tmp.path())
        .arg("--save-dir")
        .arg(&save)
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cairn train failed: {err}");
    let stdout = String::from_utf8(out.stdout)?;
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last().ok_or("no output")?)?;
    assert_eq!(v["model"], "lenet");
    assert_eq!(v["step"], 30);
    let acc = v["test_accuracy"].as_f64().ok_or("test_accuracy")?;
    assert_eq!(
        v["test_accuracy_raw"].as_f64(),
        Some(acc),
        "no EMA: raw == test"
    );
    assert!(
        acc > 0.3,
        "30 Adam steps should beat chance clearly, got {acc}"
    );
    assert!(v["validation_accuracy"].as_f64().is_some() && v["seconds"].as_f64().is_some());
    // The dropout generator's state is in the checkpoint: [seed, steps taken].
    let prefix = save.join("model.ckpt-30");
    let r = cairn::checkpoint::BundleReader::open(&prefix)?;
    let rng = r.read("cairn/dropout_rng")?;
    assert_eq!(rng.as_slice::<i64>()?, &[1, 30]);
    for name in [
        "conv1/weights",
        "conv2/biases",
        "fc1/weights/Adam",
        "fc2/biases/Adam_1",
    ] {
        assert!(r.contains(name), "checkpoint lacks {name}");
    }
    // cairn eval recognizes a LeNet checkpoint and scores it as training did.
    let out = cairn()
        .args(["eval", "--json", "--no-ema", "--checkpoint"])
        .arg(&save)
        .arg("--data")
        .arg(tmp.path())
        .output()?;
    assert!(
        out.status.success(),
        "cairn eval failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: serde_json::Value = serde_json::from_str(String::from_utf8(out.stdout)?.trim())?;
    assert_eq!(e["step"], 30);
    assert_eq!(e["accuracy"].as_f64(), Some(acc));
    Ok(())
}

fn const_value<'a>(g: &'a Graph, name: &str) -> Result<&'a Tensor, Box<dyn std::error::Error>> {
    match g.node(g.node_id(name)?).attrs.get("value") {
        Some(AttrValue::Tensor(t)) => Ok(t),
        _ => Err(format!("{name} is not a Const").into()),
    }
}

/// TensorFlow's frozen LeNet (conv 8/16, fc 64; 400 Adam steps) predicts the same class
/// with cairn as with TensorFlow on all 10 000 test images (the issue asks ≥ 99.9%), and
/// the first 20 logits agree within 1e-4. Conv + bias + ReLU chains run folded.
#[test]
fn tensorflow_frozen_lenet_predicts_the_same_classes() -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lenet/lenet_small.pb");
    let g = from_graph_def_bytes(&std::fs::read(path)?)?;
    let want = const_value(&g, "expected/classes")?
        .as_slice::<u8>()?
        .to_vec();
    let logits20 = const_value(&g, "expected/logits20")?.clone();
    let m = cairn::mnist::load(Path::new(data_dir()))?;
    let test = &m.test;
    assert_eq!(want.len(), test.len());
    let mut s = Session::new(g);
    let mut same = 0usize;
    for start in (0..test.len()).step_by(2000) {
        let n = 2000.min(test.len() - start);
        let x = Tensor::from_vec(
            [n, 784],
            test.images[start * 784..(start + n) * 784].to_vec(),
        )?;
        let out = s.run(&[("x-input", &x)], &["fc2/add"], &[])?;
        let l = out[0].as_slice::<f32>()?;
        if start == 0 {
            let w = logits20.as_slice::<f32>()?;
            for (a, b) in l[..200].iter().zip(w) {
                assert!(
                    (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                    "logit {a} vs TensorFlow's {b}"
                );
            }
        }
        for (i, row) in l.chunks_exact(10).enumerate() {
            let arg = (0..10).fold(0, |best, k| if row[k] > row[best] { k } else { best });
            same += usize::from(arg == want[start + i] as usize);
        }
    }
    let agree = same as f64 / test.len() as f64;
    assert!(
        agree >= 0.999,
        "cairn agrees with TensorFlow on {agree:.4} of the test set"
    );
    Ok(())
}
