//! `cairn retrain` on the 2015-style Inception graph (fixtures/images/inception2015_small.pb)
//! with the three-class folder of fixtures/retrain/, checked against what TensorFlow
//! recorded when it ran cairn's retrained graph (fixtures/retrain/tf_result.json, made by
//! `cargo xtask fixtures --only retrain`).

use crate::{cairn, TestResult};
use cairn::graph::{graphdef, Session};
use cairn::tensor::Tensor;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

/// `cairn retrain` of the 2015-style graph on `images`, writing `out` and `labels`.
fn retrain(images: &Path, out: &Path, labels: &Path) -> Command {
    let mut c = cairn();
    c.arg("retrain")
        .arg("--graph")
        .arg(fixtures().join("images").join("inception2015_small.pb"))
        .arg("--image-dir")
        .arg(images)
        .arg("--out")
        .arg(out)
        .arg("--labels-out")
        .arg(labels);
    c
}

/// The JSON object on the last line of `stdout`.
fn last_json(stdout: Vec<u8>) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let text = String::from_utf8(stdout)?;
    Ok(serde_json::from_str(text.lines().last().ok_or("no JSON")?)?)
}

#[test]
fn retrained_graph_classifies_held_out_images_as_tensorflow_does() -> TestResult {
    let dir = fixtures().join("retrain");
    let tf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tf_result.json"))?)?;
    let args: Vec<String> = tf["args"]
        .as_array()
        .ok_or("args")?
        .iter()
        .map(|a| a.as_str().map(String::from).ok_or("arg"))
        .collect::<Result<_, _>>()?;
    let tmp = tempfile::tempdir()?;
    let (pb, labels) = (tmp.path().join("new.pb"), tmp.path().join("labels.txt"));
    let out = retrain(&dir.join("images"), &pb, &labels)
        .arg("--bottleneck-dir")
        .arg(tmp.path().join("bottlenecks"))
        .arg("--json")
        .args(&args)
        .output()?;
    assert!(
        out.status.success(),
        "cairn retrain failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = last_json(out.stdout)?;
    assert_eq!(report["labels"], tf["labels"]);
    assert_eq!(report["images"], tf["cairn_report"]["images"]);
    assert_eq!(report["output"], "final_result:0");
    let names: Vec<String> = std::fs::read_to_string(&labels)?
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(serde_json::json!(names), tf["labels"]);

    // Run the retrained graph the way classify_image.py feeds the 2015 graph.
    let graph = graphdef::from_graph_def_bytes(&std::fs::read(&pb)?)?;
    let mut s = Session::new(graph);
    let mut worst = 0f32;
    for case in tf["held_out"].as_array().ok_or("held_out")? {
        let file = dir.join(case["file"].as_str().ok_or("file")?);
        let jpeg = Tensor::scalar(std::fs::read(&file)?);
        let probs = s.run(
            &[("DecodeJpeg/contents:0", &jpeg)],
            &["final_result:0"],
            &[],
        )?;
        let p = probs[0].as_slice::<f32>()?;
        let best = (0..p.len())
            .max_by(|a, b| p[*a].total_cmp(&p[*b]))
            .ok_or("no classes")?;
        let class = case["class"].as_str().ok_or("class")?.replace('_', " ");
        assert_eq!(
            names[best],
            class,
            "{} classified as {}",
            file.display(),
            names[best]
        );
        assert_eq!(
            case["tf_label"].as_str(),
            Some(class.as_str()),
            "TensorFlow's answer"
        );
        for (a, b) in p.iter().zip(case["tf_probs"].as_array().ok_or("probs")?) {
            worst = worst.max((a - b.as_f64().ok_or("prob")? as f32).abs());
        }
    }
    // cairn decodes the JPEGs to TensorFlow's pixels: what remains is float summation
    // order in the convolutions.
    assert!(
        worst < 1e-4,
        "probabilities differ from TensorFlow's by {worst}"
    );

    // `cairn classify` runs the retrained graph with its labels file.
    let files: Vec<PathBuf> = tf["held_out"]
        .as_array()
        .ok_or("held_out")?
        .iter()
        .map(|c| c["file"].as_str().map(|f| dir.join(f)).ok_or("file"))
        .collect::<Result<_, _>>()?;
    let out = cairn()
        .arg("classify")
        .arg(&pb)
        .args(&files)
        .arg("--labels")
        .arg(&labels)
        .arg("--output-tensor")
        .arg("final_result:0")
        .arg("--top-k")
        .arg("1")
        .arg("--json")
        .output()?;
    assert!(
        out.status.success(),
        "cairn classify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let classified: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let images = classified["images"].as_array().ok_or("images")?;
    assert_eq!(images.len(), files.len());
    for (img, case) in images
        .iter()
        .zip(tf["held_out"].as_array().ok_or("held_out")?)
    {
        let want = case["class"].as_str().ok_or("class")?.replace('_', " ");
        assert_eq!(
            img["top"][0]["label"].as_str(),
            Some(want.as_str()),
            "{img}"
        );
    }

    // A second run with the same cache computes nothing.
    let (again_pb, again_labels) = (tmp.path().join("again.pb"), tmp.path().join("again.txt"));
    let again = retrain(&dir.join("images"), &again_pb, &again_labels)
        .arg("--bottleneck-dir")
        .arg(tmp.path().join("bottlenecks"))
        .arg("--json")
        .arg("--quiet")
        .args(&args)
        .output()?;
    assert!(again.status.success());
    assert!(
        again.stderr.is_empty(),
        "--quiet printed {:?}",
        String::from_utf8_lossy(&again.stderr)
    );
    let r2 = last_json(again.stdout)?;
    assert_eq!(r2["bottlenecks_computed"], 0);
    assert_eq!(std::fs::read(&pb)?, std::fs::read(&again_pb)?);
    Ok(())
}

#[test]
fn retrain_errors_name_the_problem() -> TestResult {
    let tmp = tempfile::tempdir()?;
    std::fs::create_dir_all(tmp.path().join("only_one_class"))?;
    std::fs::copy(
        fixtures().join("images").join("img_420.jpg"),
        tmp.path().join("only_one_class").join("a.jpg"),
    )?;
    let out = retrain(
        tmp.path(),
        &tmp.path().join("x.pb"),
        &tmp.path().join("x.txt"),
    )
    .output()?;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 2"), "{err}");
    assert!(!tmp.path().join("x.pb").exists());
    Ok(())
}
