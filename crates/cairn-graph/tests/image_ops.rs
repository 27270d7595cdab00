//! Image and array ops, and the image classifiers, against TensorFlow 2.21's outputs
//! (`fixtures/images/`, made by `xtask/python/fixtures_images.py`).

use cairn_graph::graphdef::from_graph_def_bytes;
use cairn_graph::{Error, Graph, Session};
use cairn_tensor::{DType, Tensor};
use std::path::PathBuf;

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name)
}

fn load(name: &str) -> Res<Graph> {
    Ok(from_graph_def_bytes(&std::fs::read(fixture(name))?)?)
}

fn array(name: &str) -> Res<Tensor> {
    let path = fixture(name);
    Ok(cairn_formats::npy::decode(
        &std::fs::read(&path)?,
        &path,
        None,
        name,
    )?)
}

fn expected() -> Res<serde_json::Value> {
    Ok(serde_json::from_slice(&std::fs::read(fixture(
        "expected.json",
    ))?)?)
}

fn floats(v: &serde_json::Value) -> Res<Vec<f32>> {
    v.as_array()
        .ok_or("not an array")?
        .iter()
        .map(|x| {
            x.as_f64()
                .map(|f| f as f32)
                .ok_or_else(|| "not a number".into())
        })
        .collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn top_k(p: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    idx.truncate(k);
    idx
}

#[test]
fn resize_bilinear_matches_tensorflow_in_three_modes() -> TestResult {
    let cases = cairn_formats::read(&fixture("resize_cases.npz"))?;
    let get = |k: &str| {
        cases
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, t)| t.clone())
            .ok_or(format!("no {k}"))
    };
    for i in 0..5 {
        for (mode, align, half) in [
            ("legacy", false, false),
            ("align", true, false),
            ("half", false, true),
        ] {
            let mut g = Graph::new();
            let x = g.constant("x", get(&format!("x{i}"))?)?;
            let size = g.constant("size", get(&format!("size{i}"))?)?;
            g.op("ResizeBilinear", "r")
                .input(x)
                .input(size)
                .attr("T", DType::Float32)
                .attr("align_corners", align)
                .attr("half_pixel_centers", half)
                .finish()?;
            let got = Session::new(g).run(&[], &["r:0"], &[])?.remove(0);
            let want = get(&format!("{mode}{i}"))?;
            assert_eq!(got.dims(), want.dims(), "case {i} {mode}");
            let d = max_diff(got.as_slice::<f32>()?, want.as_slice::<f32>()?);
            assert!(d <= 1e-5, "case {i} {mode}: {d}");
        }
    }
    Ok(())
}

fn ints(v: &serde_json::Value) -> Vec<i32> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_i64())
                .map(|x| x as i32)
                .collect()
        })
        .unwrap_or_default()
}

fn vec_tensor(v: Vec<i32>) -> Res<Tensor> {
    Ok(Tensor::from_vec([v.len()], v)?)
}

#[test]
fn strided_slice_concat_and_pack_match_tensorflow() -> TestResult {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("array_cases.json"))?)?;
    let dims: Vec<usize> = ints(&cases["x_shape"])
        .iter()
        .map(|&d| d as usize)
        .collect();
    let x = Tensor::from_vec(dims, floats(&cases["x"])?)?;
    for (i, c) in cases["strided_slice"]
        .as_array()
        .ok_or("cases")?
        .iter()
        .enumerate()
    {
        let mut g = Graph::new();
        let xo = g.constant("x", x.clone())?;
        let b = g.constant("b", vec_tensor(ints(&c["begin"]))?)?;
        let e = g.constant("e", vec_tensor(ints(&c["end"]))?)?;
        let s = g.constant("s", vec_tensor(ints(&c["strides"]))?)?;
        let mut op = g
            .op("StridedSlice", "ss")
            .inputs(&[xo, b, e, s])
            .attr("T", DType::Float32);
        for m in [
            "begin_mask",
            "end_mask",
            "ellipsis_mask",
            "new_axis_mask",
            "shrink_axis_mask",
        ] {
            op = op.attr(m, c[m].as_i64().unwrap_or(0));
        }
        op.finish()?;
        let got = Session::new(g).run(&[], &["ss:0"], &[])?.remove(0);
        let shape: Vec<usize> = ints(&c["shape"]).iter().map(|&d| d as usize).collect();
        assert_eq!(got.dims(), shape.as_slice(), "case {i}: {c}");
        assert_eq!(
            got.as_slice::<f32>()?,
            floats(&c["y"])?.as_slice(),
            "case {i}"
        );
    }
    let cc = &cases["concat"];
    let mut g = Graph::new();
    let dim = g.constant("dim", Tensor::scalar(0i32))?;
    let a = g.constant("a", Tensor::from_vec([2usize, 3], floats(&cc["a"])?)?)?;
    let b = g.constant("b", Tensor::from_vec([3usize, 3], floats(&cc["b"])?)?)?;
    g.op("Concat", "c")
        .inputs(&[dim, a, b])
        .attr("T", DType::Float32)
        .attr("N", 2i64)
        .finish()?;
    let ten = g.constant("ten", Tensor::scalar(10f32))?;
    let a10 = g.binary("AddV2", "a10", a, ten)?;
    g.op("Pack", "p")
        .inputs(&[a, a10])
        .attr("T", DType::Float32)
        .attr("axis", 1i64)
        .finish()?;
    g.op("Unpack", "u")
        .input(a)
        .attr("T", DType::Float32)
        .attr("num", 3i64)
        .attr("axis", 1i64)
        .finish()?;
    let out = Session::new(g).run(&[], &["c:0", "p:0", "u:2"], &[])?;
    assert_eq!(out[0].dims(), &[5, 3]);
    assert_eq!(out[0].as_slice::<f32>()?, floats(&cc["y"])?.as_slice());
    assert_eq!(out[1].dims(), &[2, 2, 3]);
    assert_eq!(
        out[1].as_slice::<f32>()?,
        floats(&cases["pack"]["y"])?.as_slice()
    );
    assert_eq!(out[2].as_slice::<f32>()?, &[2.0, 5.0]);
    Ok(())
}

#[test]
fn tiny_decode_graph_fed_decoded_pixels_matches_tensorflow() -> TestResult {
    let mut s = Session::new(load("tiny_decode.pb")?);
    let pixels = array("img_420.jpg.npy")?;
    let out = s.run(&[("DecodeJpeg:0", &pixels)], &["Mul:0", "softmax:0"], &[])?;
    let mul = array("tiny_decode_mul.npy")?;
    assert!(max_diff(out[0].as_slice::<f32>()?, mul.as_slice::<f32>()?) <= 1e-5);
    let want = floats(&expected()?["tiny_decode"]["img_420.jpg"]["softmax"])?;
    assert!(max_diff(out[1].as_slice::<f32>()?, &want) <= 1e-5);
    Ok(())
}

/// The graph's own Const holds img_420.jpg; feeding the Const replaces it. cairn's JPEG
/// decoder reproduces TensorFlow's pixels, so the softmax agrees within 1e-5.
#[test]
fn tiny_decode_graph_decodes_jpeg_bytes_and_the_const_can_be_fed() -> TestResult {
    let exp = expected()?;
    let mut s = Session::new(load("tiny_decode.pb")?);
    let own = s.run(&[], &["softmax:0"], &[])?.remove(0);
    let want = floats(&exp["tiny_decode"]["img_420.jpg"]["softmax"])?;
    let d = max_diff(own.as_slice::<f32>()?, &want);
    assert!(d <= 1e-5, "own Const: {d}");
    for name in ["img_444.jpg", "img_grey.jpg", "img_prog.jpg"] {
        let bytes = Tensor::scalar(std::fs::read(fixture(name))?);
        let got = s
            .run(&[("DecodeJpeg/contents:0", &bytes)], &["softmax:0"], &[])?
            .remove(0);
        let want = floats(&exp["tiny_decode"][name]["softmax"])?;
        let d = max_diff(got.as_slice::<f32>()?, &want);
        assert!(d <= 1e-5, "{name}: {d}");
    }
    let truncated = Tensor::scalar(std::fs::read(fixture("truncated.jpg"))?);
    match s.run(
        &[("DecodeJpeg/contents:0", &truncated)],
        &["softmax:0"],
        &[],
    ) {
        Err(Error::Image { node, .. }) => assert_eq!(node, "DecodeJpeg"),
        other => return Err(format!("expected an image error, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn decode_png_op_gives_uint16_when_asked() -> TestResult {
    let mut g = Graph::new();
    let c = g.constant(
        "c",
        Tensor::scalar(std::fs::read(fixture("png_rgb16.png"))?),
    )?;
    g.op("DecodePng", "d")
        .input(c)
        .attr("channels", 0i64)
        .attr("dtype", DType::UInt16)
        .finish()?;
    let got = Session::new(g).run(&[], &["d:0"], &[])?.remove(0);
    let want = array("png_rgb16.png.npy")?;
    assert_eq!(got.dims(), want.dims());
    assert_eq!(got.as_slice::<u16>()?, want.as_slice::<u16>()?);
    Ok(())
}

#[test]
fn check_numerics_passes_finite_and_names_nan() -> TestResult {
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, cairn_graph::PartialShape::unknown())?;
    g.op("CheckNumerics", "check")
        .input(x)
        .attr("T", DType::Float32)
        .attr("message", "bad x")
        .finish()?;
    let mut s = Session::new(g);
    let ok = Tensor::from_vec([2usize], vec![1f32, 2.0])?;
    assert_eq!(
        s.run(&[("x:0", &ok)], &["check:0"], &[])?[0].as_slice::<f32>()?,
        &[1.0, 2.0]
    );
    let nan = Tensor::from_vec([2usize], vec![1f32, f32::NAN])?;
    match s.run(&[("x:0", &nan)], &["check:0"], &[]) {
        Err(e) => assert!(
            e.to_string().contains("bad x : Tensor had NaN values"),
            "{e}"
        ),
        Ok(_) => return Err("NaN passed CheckNumerics".into()),
    }
    Ok(())
}

/// The 2015 classify_image_graph_def.pb layout (producer 8, BatchNormWithGlobalNormalization,
/// legacy Concat) at 1/16 width: fed TensorFlow's decoded pixels, softmax within 1e-4 and
/// the same top-5; fed the JPEG bytes, the same top-1.
#[test]
fn inception_2015_layout_matches_tensorflow() -> TestResult {
    let exp = expected()?;
    let mut s = Session::new(load("inception2015_small.pb")?);
    for name in ["img_420.jpg", "img_444.jpg", "img_grey.jpg"] {
        let want = &exp["inception2015_small"][name];
        let want_p = floats(&want["softmax"])?;
        let want_top: Vec<usize> = ints(&want["top5"]).iter().map(|&i| i as usize).collect();
        let mut pixels = array(&format!("{name}.npy"))?;
        if pixels.dims()[2] == 1 {
            // The graph's DecodeJpeg asks for 3 channels: TensorFlow replicates grey.
            let v: Vec<u8> = pixels
                .as_slice::<u8>()?
                .iter()
                .flat_map(|&p| [p; 3])
                .collect();
            pixels = Tensor::from_vec([pixels.dims()[0], pixels.dims()[1], 3], v)?;
        }
        let got = s
            .run(&[("DecodeJpeg:0", &pixels)], &["softmax:0"], &[])?
            .remove(0);
        let p = got.as_slice::<f32>()?;
        assert_eq!(got.dims(), &[1, 1008]);
        assert!(
            max_diff(p, &want_p) <= 1e-4,
            "{name}: {}",
            max_diff(p, &want_p)
        );
        assert_eq!(top_k(p, 5), want_top, "{name}");
        let bytes = Tensor::scalar(std::fs::read(fixture(name))?);
        let got = s
            .run(&[("DecodeJpeg/contents:0", &bytes)], &["softmax:0"], &[])?
            .remove(0);
        assert_eq!(
            top_k(got.as_slice::<f32>()?, 1),
            want_top[..1],
            "{name} from JPEG bytes"
        );
    }
    Ok(())
}

fn keras_case(model: &str) -> TestResult {
    let exp = expected()?;
    let info = &exp[model];
    let input = info["input"].as_str().ok_or("input")?;
    let output = info["output"].as_str().ok_or("output")?;
    let mut s = Session::new(load(&format!("{model}.pb"))?);
    for case in info["cases"].as_array().ok_or("cases")? {
        let x = array(case["input"].as_str().ok_or("input file")?)?;
        let want = array(case["output"].as_str().ok_or("output file")?)?;
        let got = s.run(&[(input, &x)], &[output], &[])?.remove(0);
        let p = got.as_slice::<f32>()?;
        let d = max_diff(p, want.as_slice::<f32>()?);
        assert!(d <= 1e-4, "{model}: softmax differs by {d}");
        let want_top: Vec<usize> = ints(&case["top5"]).iter().map(|&i| i as usize).collect();
        assert_eq!(top_k(p, 5), want_top, "{model}");
    }
    Ok(())
}

#[test]
fn keras_mobilenet_v2_matches_tensorflow() -> TestResult {
    keras_case("mobilenet_v2_small")
}

/// The frozen Keras batch norms (`Mul`/`AddV2` of `Rsqrt`/`Sub` results of Consts) fold
/// into the convolutions and the `ZeroPadding2D`s into their padding: a run executes
/// only convolution chains, residual adds and the classifier head (with its Consts, and
/// the `NoOp` its output depends on).
#[test]
fn keras_mobilenet_v2_plan_is_folded() -> TestResult {
    let exp = expected()?;
    let info = &exp["mobilenet_v2_small"];
    let input = info["input"].as_str().ok_or("input")?;
    let output = info["output"].as_str().ok_or("output")?;
    let x = array(info["cases"][0]["input"].as_str().ok_or("input file")?)?;
    let mut s = Session::new(load("mobilenet_v2_small.pb")?);
    s.set_profiling(true);
    s.run(&[(input, &x)], &[output], &[])?;
    let mut ops: Vec<String> = s.profile().into_iter().map(|p| p.1).collect();
    ops.sort();
    ops.dedup();
    let want = [
        "AddV2", "BiasAdd", "Const", "MatMul", "Mean", "NoOp", "Relu6", "Softmax",
    ];
    assert_eq!(ops, want);
    Ok(())
}

/// The full-size Keras MobileNetV2 (224, alpha 1.0) and InceptionV3 (299) are ~100 MB, so
/// they are not committed: `CAIRN_FIXTURES_FULL=1 cargo xtask fixtures --only images` writes
/// them to `fixtures/images/full/`, and this test checks them whenever they are there
/// (softmax within 1e-4, identical top-5). Without them it checks nothing more than the
/// committed small MobileNetV2 above does.
#[test]
fn full_size_keras_models_when_generated() -> TestResult {
    let dir = fixture("full");
    let Ok(bytes) = std::fs::read(dir.join("expected_full.json")) else {
        return Ok(());
    };
    let exp: serde_json::Value = serde_json::from_slice(&bytes)?;
    for model in ["mobilenet_v2_full", "inception_v3_full"] {
        let info = &exp[model];
        let input = info["input"].as_str().ok_or("input")?;
        let output = info["output"].as_str().ok_or("output")?;
        let g = from_graph_def_bytes(&std::fs::read(dir.join(format!("{model}.pb")))?)?;
        let mut s = Session::new(g);
        for case in info["cases"].as_array().ok_or("cases")? {
            let x = array(&format!("full/{}", case["input"].as_str().ok_or("in")?))?;
            let want = array(&format!("full/{}", case["output"].as_str().ok_or("out")?))?;
            let got = s.run(&[(input, &x)], &[output], &[])?.remove(0);
            let p = got.as_slice::<f32>()?;
            let d = max_diff(p, want.as_slice::<f32>()?);
            assert!(d <= 1e-4, "{model}: softmax differs by {d}");
            let want_top: Vec<usize> = ints(&case["top5"]).iter().map(|&i| i as usize).collect();
            assert_eq!(top_k(p, 5), want_top, "{model}");
        }
    }
    Ok(())
}
