//! Files TensorFlow wrote, and what TensorFlow read in cairn's: `fixtures/events/`,
//! made by `cargo xtask fixtures --only events` (`xtask/python/fixtures_events.py`).
//!
//! `tf_read.json` records, per file, what `tf.compat.v1.train.summary_iterator` saw
//! (file version, graph and its node count, every scalar) and how many records
//! `tf.data.TFRecordDataset` (which verifies both CRCs of each) read. cairn's reader must
//! see exactly the same in every file.

use super::TestResult;
use cairn_summary::{EventReader, RunSummary};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/events")
}

fn check_file(name: &str, want: &Value) -> TestResult {
    let path = fixtures().join(want["file"].as_str().ok_or("file")?);
    let reader = EventReader::open(&path)?;
    let records = reader.records().count() as u64;
    assert_eq!(
        Some(records),
        want["tfrecord_dataset_records"].as_u64(),
        "{name}: record count differs from TFRecordDataset's"
    );
    let events = reader.events()?;
    assert_eq!(Some(events.len() as u64), want["events"].as_u64(), "{name}");
    let run = RunSummary::from_events(&events);
    assert_eq!(
        run.file_versions.first().map(String::as_str),
        want["file_version"].as_str(),
        "{name}"
    );
    assert_eq!(
        !run.graphs.is_empty(),
        want["graph_present"].as_bool().ok_or("graph_present")?,
        "{name}"
    );
    if let Some(g) = run.graphs.first() {
        let graph = cairn_proto::decode_graph_def(g)?;
        assert_eq!(
            Some(graph.node.len() as u64),
            want["graph_nodes"].as_u64(),
            "{name}"
        );
    }
    let scalars = want["scalars"].as_object().ok_or("scalars")?;
    let tags: Vec<&String> = run.scalars.keys().collect();
    let want_tags: Vec<&String> = scalars.keys().collect();
    let mut want_sorted = want_tags.clone();
    want_sorted.sort();
    assert_eq!(tags, want_sorted, "{name}: tags");
    for (tag, points) in scalars {
        let got = &run.scalars[tag];
        let points = points.as_array().ok_or("points")?;
        assert_eq!(got.len(), points.len(), "{name}/{tag}");
        for ((step, v), p) in got.iter().zip(points) {
            assert_eq!(Some(*step), p[0].as_i64(), "{name}/{tag}");
            // Every value is a float32; serde_json's float parsing is not exact in the
            // last bit of an f64, so compare as the float32s they are.
            let want = p[1].as_f64().ok_or("value")? as f32;
            assert_eq!(*v as f32, want, "{name}/{tag} at step {step}");
        }
    }
    Ok(())
}

#[test]
fn cairn_reads_what_tensorflow_read() -> TestResult {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("tf_read.json"))?)?;
    let files = json["files"].as_object().ok_or("files")?;
    for key in ["cairn", "tf_v1", "tf_v2"] {
        check_file(key, files.get(key).ok_or(key)?)?;
    }
    // TensorFlow saw every CRC valid and the three tags plus the graph in cairn's file.
    let cairn = &files["cairn"];
    assert_eq!(cairn["all_crcs_valid"], true);
    assert_eq!(cairn["graph_present"], true);
    for tag in ["loss", "learning_rate", "accuracy/validation"] {
        assert!(
            cairn["scalars"].get(tag).is_some(),
            "TensorFlow missed {tag}"
        );
    }
    Ok(())
}

#[test]
fn cairn_reads_what_tensorboard_read() -> TestResult {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("tf_read.json"))?)?;
    // TensorBoard's EventAccumulator (behind its Scalars and Graphs tabs) on cairn's file.
    let tb = &json["tensorboard_reads_cairn"];
    assert!(
        tb.is_object(),
        "tf_read.json lacks TensorBoard's view: regenerate it with the tensorboard package \
         installed (pip install tensorboard)"
    );
    let run =
        RunSummary::from_events(&EventReader::open(&fixtures().join("cairn.tfevents"))?.events()?);
    assert_eq!(tb["graph"], true);
    let graph = cairn_proto::decode_graph_def(run.graphs.first().ok_or("no graph")?)?;
    assert_eq!(Some(graph.node.len() as u64), tb["graph_nodes"].as_u64());
    let scalars = tb["scalars"].as_object().ok_or("scalars")?;
    assert_eq!(scalars.len(), 3);
    for (tag, points) in scalars {
        let got = run.scalars.get(tag).ok_or(tag.as_str())?;
        let want: Vec<(i64, f32)> = points
            .as_array()
            .ok_or("points")?
            .iter()
            .map(|p| {
                (
                    p[0].as_i64().unwrap_or(-1),
                    p[1].as_f64().unwrap_or(f64::NAN) as f32,
                )
            })
            .collect();
        let got: Vec<(i64, f32)> = got.iter().map(|&(s, v)| (s, v as f32)).collect();
        assert_eq!(got, want, "{tag}");
    }
    Ok(())
}
