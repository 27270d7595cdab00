//! Write → read round trips of records and events (proptest).

use super::TestResult;
use cairn_proto::tensorflow::event::What;
use cairn_summary::{encode_record, scalars_event, EventReader, EventWriter, Records, RunSummary};
use proptest::prelude::*;
use prost::Message;
use std::path::Path;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn records_round_trip(records in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..12)) {
        let mut bytes = Vec::new();
        for r in &records {
            encode_record(r, &mut bytes);
        }
        let back: Vec<Vec<u8>> = Records::new(&bytes, Path::new("mem"))
            .map(|r| r.map(|(_, d)| d.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, records);
    }

    #[test]
    fn events_round_trip(
        steps in prop::collection::vec((any::<i64>(), "[a-z/_]{1,12}", any::<f32>(), 0.0f64..2e9), 0..10),
        graph in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut bytes = Vec::new();
        let mut want = vec![cairn_summary::file_version_event(1.0), cairn_summary::graph_event(2.0, &graph)];
        for (step, tag, v, t) in &steps {
            want.push(scalars_event(*t, *step, &[(tag.as_str(), *v)]));
        }
        for e in &want {
            encode_record(&e.encode_to_vec(), &mut bytes);
        }
        let got = EventReader::from_bytes(bytes, Path::new("mem"))
            .events()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        // NaN != NaN: compare the encodings.
        let enc = |v: &[cairn_proto::Event]| v.iter().map(|e| e.encode_to_vec()).collect::<Vec<_>>();
        prop_assert_eq!(enc(&got), enc(&want));
    }
}

#[test]
fn writer_file_reads_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut w = EventWriter::create(dir.path())?;
    let name = w
        .path()
        .file_name()
        .ok_or("no name")?
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("events.out.tfevents."), "{name}");
    w.add_graph(b"\x0a\x03\x0a\x01x")?;
    for step in [100i64, 200] {
        w.add_scalars(
            step,
            &[("loss", step as f32 / 1000.0), ("accuracy/validation", 0.9)],
        )?;
    }
    // Flushed after every call: readable while the writer is still open.
    let events = EventReader::open(w.path())?.events()?;
    assert_eq!(events.len(), 4);
    assert!(matches!(&events[0].what, Some(What::FileVersion(v)) if v == "brain.Event:2"));
    assert!(events[0].wall_time > 1.6e9);
    let run = RunSummary::from_events(&events);
    assert_eq!(run.graphs, vec![b"\x0a\x03\x0a\x01x".to_vec()]);
    assert_eq!(
        run.scalars["loss"],
        vec![(100, 0.1f32 as f64), (200, 0.2f32 as f64)]
    );
    assert_eq!(run.scalars["accuracy/validation"].len(), 2);
    assert!(run.session_starts.is_empty());
    w.add_session_start(200)?;
    let run = RunSummary::from_events(&EventReader::open(w.path())?.events()?);
    assert_eq!(run.session_starts, [200]);

    // A second writer in the same second gets its own file.
    let w2 = EventWriter::create(dir.path())?;
    assert_ne!(w2.path(), w.path());
    assert_eq!(cairn_summary::event_files(dir.path())?.len(), 2);
    Ok(())
}

#[test]
fn empty_dir_is_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    match RunSummary::read_dir(dir.path()) {
        Err(cairn_summary::Error::NoEventFile { .. }) => Ok(()),
        other => Err(format!("expected NoEventFile, got {other:?}").into()),
    }
}
