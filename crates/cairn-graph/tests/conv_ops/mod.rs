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

/// A frozen-style chain `Const filter → Conv2D → BiasAdd → FusedBatchNormV3 → Relu6`
/// runs folded into one step (batch norm folded into the filter at plan time); its
/// result agrees with the op-by-op run (forced by also fetching the convolution).
#[test]
fn folded_conv_chain_matches_op_by_op() -> TestResult {
    use cairn_graph::PartialShape;
    use cairn_tensor::DType;
    let vals = |n: usize, k: f32| (0..n).map(|i| ((i * 37 % 23) as f32 - 11.0) * k).collect();
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
    let w = g.constant("w", Tensor::from_vec([3usize, 3, 2, 4], vals(72, 0.05))?)?;
    let b = g.constant(
        "b",
        Tensor::from_vec([4usize], vec![0.1f32, -0.2, 0.3, 2.0])?,
    )?;
    let conv = g
        .op("Conv2D", "conv")
        .input(x)
        .input(w)
        .attr("T", DType::Float32)
        .attr("strides", vec![1i64, 2, 2, 1])
        .attr("padding", "SAME")
        .finish_output()?;
    let ba = g
        .op("BiasAdd", "bias")
        .inputs(&[conv, b])
        .attr("T", DType::Float32)
        .finish_output()?;
    let stat = |g: &mut Graph, name: &str, v: Vec<f32>| {
        g.constant(name, Tensor::from_vec([4usize], v).expect("4 values"))
    };
    let s = stat(&mut g, "scale", vec![1.5, 0.5, -1.0, 2.0])?;
    let o = stat(&mut g, "offset", vec![0.0, 1.0, 0.5, -0.5])?;
    let m = stat(&mut g, "mean", vec![0.2, -0.1, 0.0, 1.0])?;
    let v = stat(&mut g, "var", vec![1.0, 0.5, 2.0, 0.25])?;
    let bn = g
        .op("FusedBatchNormV3", "bn")
        .inputs(&[ba, s, o, m, v])
        .attr("T", DType::Float32)
        .attr("U", DType::Float32)
        .attr("epsilon", 0.001f32)
        .attr("is_training", false)
        .finish_output()?;
    g.op("Relu6", "relu6")
        .input(bn)
        .attr("T", DType::Float32)
        .finish()?;
    let mut sess = Session::new(g);
    let xv = Tensor::from_vec([2usize, 7, 5, 2], vals(140, 0.3))?;
    let fused = sess.run(&[("x", &xv)], &["relu6"], &[])?;
    let plain = sess.run(&[("x", &xv)], &["relu6", "conv"], &[])?;
    assert_eq!(fused[0].dims(), &[2, 4, 3, 4]);
    let (a, b) = (fused[0].as_slice::<f32>()?, plain[0].as_slice::<f32>()?);
    assert!(a.iter().any(|&v| v > 0.0 && v < 6.0), "{a:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{x} vs {y}");
    }
    Ok(())
}
