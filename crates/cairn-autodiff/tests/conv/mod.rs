//! cairn's gradient rules for Conv2D, MaxPool and AvgPool against TensorFlow's
//! `tf.gradients` on the same forward nodes (`fixtures/ops/conv_ops.pb`, made by
//! `xtask/python/fixtures_convops.py`): 17×13 inputs, strides 2 and 3, dilation 2, uneven
//! SAME padding, explicit padding, pools with ties at the border.

use super::TestResult;
use cairn_graph::graphdef::from_graph_def_bytes;
use cairn_graph::{Output, Session};

#[test]
fn conv_and_pool_gradients_match_tensorflow() -> TestResult {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ops/conv_ops.pb");
    let mut g = from_graph_def_bytes(&std::fs::read(path)?)?;
    let forward: Vec<(String, String)> = g
        .nodes()
        .iter()
        .filter(|n| matches!(n.op.as_str(), "Conv2D" | "MaxPool" | "AvgPool"))
        .filter(|n| !n.name.contains("gradients"))
        .map(|n| (n.name.clone(), n.op.clone()))
        .collect();
    assert!(forward.len() >= 13, "{forward:?}");
    let mut fetches = Vec::new();
    for (name, op) in &forward {
        let case = name.split('/').next().ok_or("no scope")?.to_string();
        let y = g.output_by_name(name)?;
        let gy = g.output_by_name(&format!("{case}/gy"))?;
        let node = g.node(y.node);
        let mut xs: Vec<Output> = vec![node.inputs[0]];
        if op == "Conv2D" {
            xs.push(node.inputs[1]);
        }
        let grads = cairn_autodiff::gradients(&mut g, &[y], &xs, Some(&[gy]))?;
        for (grad, which) in grads.iter().zip(["dx", "dw"]) {
            let grad = grad.ok_or("no gradient")?;
            fetches.push((g.output_name(grad), format!("expected/{case}/{which}")));
        }
    }
    let mut s = Session::new(g);
    for (got, want) in &fetches {
        let out = s.run(&[], &[got.as_str(), want.as_str()], &[])?;
        assert_eq!(out[0].dims(), out[1].dims(), "{want}");
        let worst = out[0]
            .as_slice::<f32>()?
            .iter()
            .zip(out[1].as_slice::<f32>()?)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst <= 1e-4, "{got} vs {want}: max abs difference {worst}");
    }
    Ok(())
}
