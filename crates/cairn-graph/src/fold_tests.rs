//! Constant folding and convolution-chain folding through `Session`: a folded plan must
//! agree with the same graph run op by op. Feeding a `Const` (with its own value) turns
//! folding off below it, which gives the op-by-op reference from the same graph.

use crate::attr::PartialShape;
use crate::{Graph, Output, Result, Session};
use cairn_tensor::{DType, Tensor};

/// Deterministic values in about [-1, 1).
fn ramp(dims: &[usize], seed: u32) -> Result<Tensor> {
    let n: usize = dims.iter().product();
    let v = (0..n as u32)
        .map(|i| {
            ((i.wrapping_mul(2654435761).wrapping_add(seed * 97)) % 2001) as f32 / 1000.0 - 1.0
        })
        .collect();
    Ok(Tensor::from_vec(dims.to_vec(), v)?)
}

fn conv(
    g: &mut Graph,
    op: &str,
    name: &str,
    x: Output,
    w: Output,
    padding: &str,
) -> Result<Output> {
    g.op(op, name)
        .inputs(&[x, w])
        .attr("T", DType::Float32)
        .attr("strides", vec![1i64, 1, 1, 1])
        .attr("padding", padding)
        .finish_output()
}

/// Keras' frozen batch norm after a convolution, then Relu6 (as in MobileNetV2);
/// `swap` puts the constant operands first.
fn keras_block(g: &mut Graph, op: &str, x: Output, oc: usize, swap: bool) -> Result<Output> {
    let m = if op == "Conv2D" { oc } else { oc / 2 };
    let w = g.constant("w", ramp(&[3, 3, 2, m], 1)?)?;
    let w = g.unary("Identity", "w/read", w)?;
    let c = conv(g, op, "conv", x, w, "SAME")?;
    let v = ramp(&[oc], 2)?
        .as_slice::<f32>()?
        .iter()
        .map(|v| v.abs() + 0.5)
        .collect();
    let var = g.constant("var", Tensor::from_vec([oc], v)?)?;
    let gamma = g.constant("gamma", ramp(&[oc], 3)?)?;
    let mean = g.constant("mean", ramp(&[oc], 4)?)?;
    let beta = g.constant("beta", ramp(&[oc], 5)?)?;
    let eps = g.constant("eps", Tensor::scalar(1e-3f32))?;
    let add = g.binary("AddV2", "bn/add", var, eps)?;
    let rsqrt = g.unary("Rsqrt", "bn/Rsqrt", add)?;
    let scale = g.binary("Mul", "bn/mul", rsqrt, gamma)?;
    let (mul_1, mul_2) = if swap {
        (
            g.binary("Mul", "bn/mul_1", scale, c)?,
            g.binary("Mul", "bn/mul_2", scale, mean)?,
        )
    } else {
        (
            g.binary("Mul", "bn/mul_1", c, scale)?,
            g.binary("Mul", "bn/mul_2", mean, scale)?,
        )
    };
    let sub = g.binary("Sub", "bn/sub", beta, mul_2)?;
    let add_1 = if swap {
        g.binary("AddV2", "bn/add_1", sub, mul_1)?
    } else {
        g.binary("AddV2", "bn/add_1", mul_1, sub)?
    };
    g.unary("Relu6", "relu", add_1)
}

/// Runs `fetches` with profiling; returns the values and the ops that ran.
fn run(
    s: &mut Session,
    feeds: &[(&str, &Tensor)],
    fetches: &[&str],
) -> Result<(Vec<Tensor>, Vec<String>)> {
    s.set_profiling(true);
    let out = s.run(feeds, fetches, &[])?;
    let ops = s.profile().into_iter().map(|p| p.1).collect();
    s.set_profiling(false);
    Ok((out, ops))
}

fn assert_close(a: &Tensor, b: &Tensor) -> Result<()> {
    assert_eq!(a.dims(), b.dims());
    for (x, y) in a.as_slice::<f32>()?.iter().zip(b.as_slice::<f32>()?) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{x} vs {y}");
    }
    Ok(())
}

fn check_keras_block(op: &str, oc: usize, swap: bool) -> Result<()> {
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
    keras_block(&mut g, op, x, oc, swap)?;
    let mut s = Session::new(g);
    let xv = ramp(&[1, 5, 6, 2], 9)?;
    let (folded, ops) = run(&mut s, &[("x", &xv)], &["relu:0"])?;
    // The statistics folded, the chain one step (reported under its last node, `relu`);
    // the Consts, read only by folded nodes or held by the chain, do not run either.
    assert_eq!(ops, ["Relu6"]);
    let var = s.run(&[], &["var:0"], &[])?.remove(0);
    let (reference, ops) = run(&mut s, &[("x", &xv), ("var", &var)], &["relu:0"])?;
    assert!(ops.iter().any(|o| o == "Rsqrt") && ops.iter().any(|o| o == "Mul"));
    assert_close(&folded[0], &reference[0])
}

#[test]
fn keras_batch_norm_folds_into_conv2d() -> Result<()> {
    check_keras_block("Conv2D", 3, false)?;
    check_keras_block("Conv2D", 3, true)
}

#[test]
fn keras_batch_norm_folds_into_depthwise() -> Result<()> {
    check_keras_block("DepthwiseConv2dNative", 4, false)?;
    check_keras_block("DepthwiseConv2dNative", 4, true)
}

#[test]
fn a_fetched_intermediate_is_not_absorbed() -> Result<()> {
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
    keras_block(&mut g, "Conv2D", x, 3, false)?;
    let mut s = Session::new(g);
    let xv = ramp(&[1, 4, 4, 2], 3)?;
    let fetches = ["bn/mul_1:0", "relu:0"];
    let (folded, ops) = run(&mut s, &[("x", &xv)], &fetches)?;
    assert!(ops.iter().any(|o| o == "Mul") && ops.iter().any(|o| o == "AddV2"));
    let var = s.run(&[], &["var:0"], &[])?.remove(0);
    let (reference, _) = run(&mut s, &[("x", &xv), ("var", &var)], &fetches)?;
    assert_close(&folded[0], &reference[0])?;
    assert_close(&folded[1], &reference[1])
}

#[test]
fn zero_pad_becomes_explicit_conv_padding() -> Result<()> {
    for (op, pads) in [
        ("DepthwiseConv2dNative", [0, 1, 0, 1]),
        ("Conv2D", [1, 1, 2, 0]),
    ] {
        let mut g = Graph::new();
        let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
        let p = [0i32, 0, pads[0], pads[1], pads[2], pads[3], 0, 0];
        let p = g.constant("paddings", Tensor::from_vec([4usize, 2], p.to_vec())?)?;
        let padded = g
            .op("Pad", "pad")
            .inputs(&[x, p])
            .attr("T", DType::Float32)
            .finish_output()?;
        let w = g.constant("w", ramp(&[3, 3, 2, 2], 7)?)?;
        let b = g.constant("b", ramp(&[if op == "Conv2D" { 2 } else { 4 }], 8)?)?;
        let c = g
            .op(op, "conv")
            .inputs(&[padded, w])
            .attr("T", DType::Float32)
            .attr("strides", vec![1i64, 2, 2, 1])
            .attr("padding", "VALID")
            .finish_output()?;
        g.binary("Sub", "sub", c, b)?;
        let mut s = Session::new(g);
        let xv = ramp(&[2, 7, 6, 2], 4)?;
        let (folded, ops) = run(&mut s, &[("x", &xv)], &["sub:0"])?;
        assert!(!ops.iter().any(|o| o == "Pad"), "{ops:?}");
        let pv = s.run(&[], &["paddings:0"], &[])?.remove(0);
        let (reference, ops) = run(&mut s, &[("x", &xv), ("paddings", &pv)], &["sub:0"])?;
        assert!(ops.iter().any(|o| o == "Pad"), "{ops:?}");
        assert_close(&folded[0], &reference[0])?;
    }
    Ok(())
}

#[test]
fn a_fed_constant_is_not_folded() -> Result<()> {
    let mut g = Graph::new();
    let a = g.constant("a", Tensor::scalar(2f32))?;
    let b = g.unary("Neg", "neg", a)?;
    g.unary("Square", "sq", b)?;
    let mut s = Session::new(g);
    let (out, ops) = run(&mut s, &[], &["sq:0", "neg:0"])?;
    assert_eq!(
        (out[0].scalar_value::<f32>()?, out[1].scalar_value::<f32>()?),
        (4.0, -2.0)
    );
    assert!(!ops.iter().any(|o| o == "Neg" || o == "Square"), "{ops:?}");
    let five = Tensor::scalar(5f32);
    let (out, ops) = run(&mut s, &[("a", &five)], &["sq:0"])?;
    assert_eq!(out[0].scalar_value::<f32>()?, 25.0);
    assert!(ops.iter().any(|o| o == "Neg"), "{ops:?}");
    // Feeding the folded node itself.
    let (out, _) = run(&mut s, &[("neg", &five)], &["sq:0"])?;
    assert_eq!(out[0].scalar_value::<f32>()?, 25.0);
    Ok(())
}

#[test]
fn bias_scale_shift_chain_folds_with_broadcast_shapes() -> Result<()> {
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
    let w = g.constant("w", ramp(&[2, 3, 2, 3], 11)?)?;
    let c = g
        .op("Conv2D", "conv")
        .inputs(&[x, w])
        .attr("T", DType::Float32)
        .attr("strides", vec![1i64, 2, 1, 1])
        .attr("padding", "VALID")
        .finish_output()?;
    let b = g.constant("b", ramp(&[3], 12)?)?;
    let biased = g
        .op("BiasAdd", "bias")
        .inputs(&[c, b])
        .attr("T", DType::Float32)
        .finish_output()?;
    let two = g.constant("two", Tensor::scalar(-2f32))?;
    let scaled = g.binary("Mul", "scaled", two, biased)?;
    let shift = g.constant("shift", ramp(&[1, 1, 1, 3], 13)?)?;
    let shifted = g.binary("AddV2", "shifted", scaled, shift)?;
    let k = g.constant("k", ramp(&[3], 14)?)?;
    let less = g.binary("Sub", "less", shifted, k)?;
    // Not a per-channel constant: the chain stops before it, and it runs as an op.
    let grid = g.constant("grid", ramp(&[2, 4, 3], 15)?)?;
    let spread = g.binary("Mul", "spread", less, grid)?;
    g.unary("Relu", "relu", spread)?;
    let mut s = Session::new(g);
    let xv = ramp(&[2, 5, 6, 2], 16)?;
    let (folded, ops) = run(&mut s, &[("x", &xv)], &["relu:0"])?;
    assert_eq!(ops.iter().filter(|o| *o == "Mul").count(), 1, "{ops:?}");
    assert!(
        !ops.iter().any(|o| o == "BiasAdd" || o == "AddV2"),
        "{ops:?}"
    );
    let bv = s.run(&[], &["b:0"], &[])?.remove(0);
    let (reference, ops) = run(&mut s, &[("x", &xv), ("b", &bv)], &["relu:0"])?;
    assert!(ops.iter().any(|o| o == "BiasAdd") && ops.iter().any(|o| o == "Sub"));
    assert_close(&folded[0], &reference[0])
}
