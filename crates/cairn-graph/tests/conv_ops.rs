//! Convolution, pooling, batch-norm and padding ops against TensorFlow 2.21's outputs
//! (`fixtures/ops/conv_ops.pb`, made by `xtask/python/fixtures_convops.py`): 17×13 inputs,
//! strides 2 and 3, dilation 2, uneven SAME padding, explicit padding, depthwise
//! multiplier 2, pools at the border, and TensorFlow's own gradient nodes.

use cairn_graph::graphdef::from_graph_def_bytes;
use cairn_graph::{Graph, Node, Session};
use cairn_tensor::Tensor;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixture() -> Result<Graph, Box<dyn std::error::Error>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ops/conv_ops.pb");
    Ok(from_graph_def_bytes(&std::fs::read(&path)?)?)
}

#[test]
fn every_op_matches_tensorflow_within_1e_4() -> TestResult {
    let g = fixture()?;
    let fetches: Vec<String> = {
        let id = g.node_id("fetches")?;
        match g.node(id).attrs.get("value") {
            Some(cairn_graph::AttrValue::Tensor(t)) => t
                .as_slice::<Vec<u8>>()?
                .iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect(),
            _ => return Err("fetches is not a Const".into()),
        }
    };
    assert!(fetches.len() >= 40, "{} fetches", fetches.len());
    let ops: Vec<&str> = g.nodes().iter().map(|n: &Node| n.op.as_str()).collect();
    for op in [
        "Conv2D",
        "Conv2DBackpropInput",
        "Conv2DBackpropFilter",
        "DepthwiseConv2dNative",
        "MaxPool",
        "MaxPoolGrad",
        "AvgPool",
        "AvgPoolGrad",
        "FusedBatchNormV3",
        "FusedBatchNorm",
        "Pad",
        "PadV2",
        "MirrorPad",
    ] {
        assert!(ops.contains(&op), "the fixture has no {op}");
    }
    let expected: Vec<String> = fetches
        .iter()
        .map(|f| format!("expected/{}", f.trim_end_matches(":0")))
        .collect();
    let mut names: Vec<&str> = fetches.iter().map(String::as_str).collect();
    names.extend(expected.iter().map(String::as_str));
    let mut s = Session::new(g);
    let out = s.run(&[], &names, &[])?;
    let n = fetches.len();
    for (i, f) in fetches.iter().enumerate() {
        let (got, want): (&Tensor, &Tensor) = (&out[i], &out[n + i]);
        assert_eq!(got.dims(), want.dims(), "{f}");
        let worst = got
            .as_slice::<f32>()?
            .iter()
            .zip(want.as_slice::<f32>()?)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst <= 1e-4, "{f}: max abs difference {worst}");
    }
    Ok(())
}
