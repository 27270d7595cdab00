//! `cairn classify` and `cairn bench` on the image fixtures (`fixtures/images/`, made by
//! `xtask/python/fixtures_images.py` with TensorFlow 2.21).

use crate::{cairn, TestResult};
use std::path::PathBuf;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name)
        .display()
        .to_string()
}

fn expected() -> Res<serde_json::Value> {
    Ok(serde_json::from_slice(&std::fs::read(fixture(
        "expected.json",
    ))?)?)
}

fn run_ok(args: &[&str]) -> Res<String> {
    let out = cairn().args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "cairn {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn softmax_of(v: &serde_json::Value) -> Vec<f64> {
    v["softmax"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
}

fn argmax(p: &[f64]) -> usize {
    (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b })
}

#[test]
fn classify_prints_like_classify_image_py() -> TestResult {
    let labels = fixture("tiny_labels.txt");
    let out = run_ok(&[
        "classify",
        &fixture("tiny_decode.pb"),
        &fixture("img_420.jpg"),
        "--labels",
        &labels,
    ])?;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let want = softmax_of(&expected()?["tiny_decode"]["img_420.jpg"]);
    let best = argmax(&want);
    let names = ["zero", "one", "two", "three", "four"];
    assert!(
        lines[0].starts_with(&format!("class {} (score = 0.", names[best])),
        "{out}"
    );
    for l in &lines {
        let score: f64 = l
            .rsplit_once("(score = ")
            .and_then(|(_, s)| s.strip_suffix(')'))
            .ok_or("no score")?
            .parse()?;
        assert!((0.0..=1.0).contains(&score), "{l}");
    }
    Ok(())
}

#[test]
fn classify_json_with_the_2015_label_files_beside_the_model() -> TestResult {
    let exp = expected()?;
    let out = run_ok(&[
        "classify",
        &fixture("inception2015_small.pb"),
        &fixture("img_444.jpg"),
        &fixture("png_rgb.png"),
        "--top-k",
        "3",
        "--json",
    ])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let images = v["images"].as_array().ok_or("images")?;
    assert_eq!(images.len(), 2);
    assert!(images[0]["file"]
        .as_str()
        .ok_or("file")?
        .ends_with("img_444.jpg"));
    let top = images[0]["top"].as_array().ok_or("top")?;
    assert_eq!(top.len(), 3);
    let want_top1 = exp["inception2015_small"]["img_444.jpg"]["top5"][0]
        .as_u64()
        .ok_or("top5")?;
    assert_eq!(top[0]["class"].as_u64(), Some(want_top1));
    // The fake label map sends class i (1..=1000) to synset n{i:08}, named "thing i, ...".
    assert_eq!(
        top[0]["label"].as_str().ok_or("label")?,
        format!("thing {want_top1}, object number {want_top1}")
    );
    let s0 = top[0]["score"].as_f64().ok_or("score")?;
    let s1 = top[1]["score"].as_f64().ok_or("score")?;
    assert!(s0 >= s1 && s0 <= 1.0);
    // A PNG given to a graph that decodes JPEG only is decoded by cairn and still classified.
    assert_eq!(images[1]["top"].as_array().ok_or("top")?.len(), 3);
    Ok(())
}

/// A graph with a float placeholder: cairn decodes, resizes (legacy bilinear) and scales
/// by the label_image.py defaults (mean 0, std 255), as the fixture script did in TensorFlow.
#[test]
fn classify_decodes_and_resizes_for_float_inputs() -> TestResult {
    let exp = expected()?;
    for (name, tol) in [("png_rgb.png", 1e-4), ("img_420.jpg", 1e-4)] {
        let out = run_ok(&[
            "classify",
            &fixture("tiny_input.pb"),
            &fixture(name),
            "--top-k",
            "5",
            "--labels",
            &fixture("tiny_labels.txt"),
            "--json",
        ])?;
        let v: serde_json::Value = serde_json::from_str(&out)?;
        let want = softmax_of(&exp["tiny_input"][name]);
        let names = ["zero", "one", "two", "three", "four"];
        for t in v["images"][0]["top"].as_array().ok_or("top")? {
            let c = t["class"].as_u64().ok_or("class")? as usize;
            let s = t["score"].as_f64().ok_or("score")?;
            assert!(
                (s - want[c]).abs() <= tol,
                "{name} class {c}: {s} vs {}",
                want[c]
            );
            assert_eq!(
                t["label"].as_str(),
                Some(format!("class {}", names[c]).as_str())
            );
        }
    }
    Ok(())
}

#[test]
fn classify_refuses_a_truncated_jpeg_clearly() -> TestResult {
    let out = cairn()
        .args([
            "classify",
            &fixture("tiny_decode.pb"),
            &fixture("truncated.jpg"),
        ])
        .output()?;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Invalid JPEG data"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    Ok(())
}

#[test]
fn bench_reports_median_min_max() -> TestResult {
    let out = run_ok(&[
        "bench",
        &fixture("tiny_input.pb"),
        "--feed",
        "input=shape:1x32x32x3",
        "--fetch",
        "softmax",
        "--runs",
        "3",
        "--warmup",
        "1",
        "--json",
    ])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(v["runs"], 3);
    let (med, min, max) = (
        v["median_ms"].as_f64().ok_or("median")?,
        v["min_ms"].as_f64().ok_or("min")?,
        v["max_ms"].as_f64().ok_or("max")?,
    );
    assert!(min <= med && med <= max, "{v}");
    let input = fixture("mobilenet_v2_small_in0.npy");
    let exp = expected()?;
    let name = exp["mobilenet_v2_small"]["input"].as_str().ok_or("input")?;
    let fetch = exp["mobilenet_v2_small"]["output"]
        .as_str()
        .ok_or("output")?;
    let out = run_ok(&[
        "bench",
        &fixture("mobilenet_v2_small.pb"),
        "--feed",
        &format!("{name}={input}"),
        "--fetch",
        fetch,
        "--runs",
        "2",
    ])?;
    assert!(out.contains("median"), "{out}");
    Ok(())
}
