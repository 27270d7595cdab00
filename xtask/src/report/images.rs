//! The image-model part of the report: batch-1 latency of frozen Keras MobileNetV2 and
//! InceptionV3 graphs in cairn, TensorFlow and tract.

use std::fmt::Write as _;

use super::Ratio;

/// Latency statistics of one framework on one model (the best of the rounds).
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    /// Median of the timed runs of the best round, milliseconds.
    pub median_ms: f64,
    /// Fastest run of that round, milliseconds.
    pub min_ms: f64,
    /// Slowest run of that round, milliseconds.
    pub max_ms: f64,
}

impl Latency {
    /// Of two rounds, the one with the lower median.
    pub fn best(a: Option<Latency>, b: Latency) -> Latency {
        match a {
            Some(a) if a.median_ms <= b.median_ms => a,
            _ => b,
        }
    }
}

/// One model measured with every framework; `Err` says why a framework has no number.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageModel {
    /// Display name, e.g. `MobileNetV2`.
    pub name: String,
    /// The input shape, e.g. `1x224x224x3`.
    pub input: String,
    /// `cairn bench`.
    pub cairn: Result<Latency, String>,
    /// `bench_tf_graph.py` (a TensorFlow Session over the same frozen graph).
    pub tf: Result<Latency, String>,
    /// `tract-bench` (tract-tensorflow).
    pub tract: Result<Latency, String>,
    /// Largest |tract − TensorFlow's expected output| on the benchmark input, if tract ran.
    pub tract_max_abs_diff: Option<f64>,
}

/// The image-model benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageBench {
    /// Timed runs per round and framework.
    pub runs: u64,
    /// Untimed runs before them.
    pub warmup: u64,
    /// Rounds (separate processes, frameworks interleaved); the best median is kept.
    pub rounds: u64,
    /// Threads given to every framework.
    pub threads: u64,
    /// The tract-tensorflow version of `xtask/tract-bench`, if known.
    pub tract_version: Option<String>,
    /// The models, in order.
    pub models: Vec<ImageModel>,
}

fn ratio(name: String, num: &Result<Latency, String>, den: &Result<Latency, String>) -> Ratio {
    let value = match (num, den) {
        (Ok(n), Ok(d)) => Ok(n.median_ms / d.median_ms),
        (Err(why), _) | (_, Err(why)) => Err(why.clone()),
    };
    Ratio {
        name,
        value,
        target: 0.0,
    }
}

impl ImageBench {
    /// Two promises per model: cairn ≤ 1.0 × TensorFlow, cairn ≤ 0.8 × tract.
    pub fn ratios(&self) -> Vec<Ratio> {
        let mut v = Vec::new();
        for m in &self.models {
            let name = |other: &str| format!("{} batch-1 latency: cairn / {other}", m.name);
            v.push(Ratio {
                target: 1.0,
                ..ratio(name("TensorFlow"), &m.cairn, &m.tf)
            });
            v.push(Ratio {
                target: 0.8,
                ..ratio(name("tract"), &m.cairn, &m.tract)
            });
        }
        v
    }

    /// The "Image models" section.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let tract = self.tract_version.as_deref().unwrap_or("(version unknown)");
        let _ = writeln!(
            s,
            "## Image models\n\nBatch-1 latency of Keras MobileNetV2 (224×224) and InceptionV3 \
             (299×299), 1000 classes, frozen to GraphDefs (`fixtures/images/full/`, made by \
             `CAIRN_FIXTURES_FULL=1 xtask/python/fixtures_images.py`), fed `input:0` from the \
             same `.npy` file and fetching `Identity:0` in every framework: `cairn bench`, \
             TensorFlow's `Session.run` over the same GraphDef (`bench_tf_graph.py`) and tract \
             {tract} (`xtask/tract-bench`, `tract-tensorflow`, optimized plan). Each \
             framework: {} threads, {} untimed runs then {} timed ones per process, {} \
             round(s) with the frameworks interleaved; the round with the lowest median is \
             shown.\n",
            self.threads, self.warmup, self.runs, self.rounds
        );
        let _ = writeln!(
            s,
            "| model | input | framework | median (ms) | fastest (ms) | slowest (ms) |"
        );
        let _ = writeln!(s, "|---|---|---|---:|---:|---:|");
        for m in &self.models {
            for (fw, t) in [
                ("cairn", &m.cairn),
                ("TensorFlow", &m.tf),
                ("tract", &m.tract),
            ] {
                let _ = match t {
                    Ok(t) => writeln!(
                        s,
                        "| {} | {} | {fw} | {:.1} | {:.1} | {:.1} |",
                        m.name, m.input, t.median_ms, t.min_ms, t.max_ms
                    ),
                    Err(why) => writeln!(s, "| {} | {} | {fw} | {why} | | |", m.name, m.input),
                };
            }
        }
        let diffs: Vec<String> = self
            .models
            .iter()
            .filter_map(|m| Some(format!("{} {:.1e}", m.name, m.tract_max_abs_diff?)))
            .collect();
        if !diffs.is_empty() {
            let _ = writeln!(
                s,
                "\ntract's outputs against TensorFlow's (largest absolute difference of the \
                 1000 probabilities): {}.",
                diffs.join(", ")
            );
        }
        s.push('\n');
        s
    }
}

/// The section when the image benchmark did not run.
pub fn not_run(why: &str) -> String {
    format!("## Image models\n\nNot measured in this run: {why}.\n\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn lat(median_ms: f64) -> Latency {
        Latency {
            median_ms,
            min_ms: median_ms - 1.0,
            max_ms: median_ms + 1.0,
        }
    }

    pub(crate) fn sample() -> ImageBench {
        ImageBench {
            runs: 30,
            warmup: 5,
            rounds: 3,
            threads: 2,
            tract_version: Some("0.23.9".into()),
            models: vec![
                ImageModel {
                    name: "MobileNetV2".into(),
                    input: "1x224x224x3".into(),
                    cairn: Ok(lat(20.0)),
                    tf: Ok(lat(25.0)),
                    tract: Err("tract failed: no analyser".into()),
                    tract_max_abs_diff: None,
                },
                ImageModel {
                    name: "InceptionV3".into(),
                    input: "1x299x299x3".into(),
                    cairn: Ok(lat(90.0)),
                    tf: Ok(lat(80.0)),
                    tract: Ok(lat(100.0)),
                    tract_max_abs_diff: Some(2e-7),
                },
            ],
        }
    }

    #[test]
    fn keeps_the_best_round() -> Result<(), String> {
        let b = Latency::best(None, lat(5.0));
        assert_eq!(b.median_ms, 5.0);
        assert_eq!(Latency::best(Some(b.clone()), lat(6.0)).median_ms, 5.0);
        assert_eq!(Latency::best(Some(b), lat(4.0)).median_ms, 4.0);
        Ok(())
    }

    #[test]
    fn two_promises_per_model() -> Result<(), String> {
        let r = sample().ratios();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].value, Ok(0.8));
        assert!(r[0].met() && r[0].target == 1.0);
        assert_eq!(r[1].value, Err("tract failed: no analyser".into()));
        assert!(!r[1].met());
        assert_eq!(r[2].value, Ok(90.0 / 80.0));
        assert!(!r[2].met());
        assert!(r[3].name.contains("InceptionV3") && r[3].name.contains("tract"));
        assert!(!r[3].met() && r[3].target == 0.8);
        Ok(())
    }

    #[test]
    fn markdown_rows() -> Result<(), String> {
        let md = sample().markdown();
        for needle in [
            "## Image models",
            "tract 0.23.9",
            "2 threads, 5 untimed runs then 30 timed",
            "| MobileNetV2 | 1x224x224x3 | cairn | 20.0 | 19.0 | 21.0 |",
            "| MobileNetV2 | 1x224x224x3 | tract | tract failed: no analyser | | |",
            "| InceptionV3 | 1x299x299x3 | tract | 100.0 | 99.0 | 101.0 |",
            "InceptionV3 2.0e-7",
        ] {
            assert!(md.contains(needle), "missing {needle:?} in\n{md}");
        }
        assert!(not_run("skipped with --skip-images").contains("skipped with --skip-images."));
        Ok(())
    }
}
