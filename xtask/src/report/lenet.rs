//! The LeNet part of the report: one training step at batch 100 in cairn and TensorFlow.

use std::fmt::Write as _;

use super::Ratio;

/// cairn's LeNet step, from two `cairn train --model lenet --log-every 0` runs of different
/// lengths: their `seconds` (the training loop alone, no evaluation inside it) differ by
/// the time of `long_steps − short_steps` steps, so start-up, the first step's planning
/// and the final evaluations cancel out.
#[derive(Debug, Clone, PartialEq)]
pub struct CairnLenet {
    /// Steps of the short run.
    pub short_steps: u64,
    /// Its loop time, seconds (the fastest of the rounds).
    pub short_s: f64,
    /// Steps of the long run.
    pub long_steps: u64,
    /// Its loop time, seconds (the fastest of the rounds).
    pub long_s: f64,
}

impl CairnLenet {
    /// The mean step time of the extra steps, milliseconds.
    pub fn step_ms(&self) -> f64 {
        let extra = self.long_steps.saturating_sub(self.short_steps).max(1);
        (self.long_s - self.short_s) * 1e3 / extra as f64
    }
}

/// TensorFlow's LeNet step (`bench_tf_lenet.py`), the best round.
#[derive(Debug, Clone, PartialEq)]
pub struct TfLenet {
    /// Median step wall time, milliseconds.
    pub median_ms: f64,
    /// Mean CPU time per step (all threads), milliseconds.
    pub cpu_ms: f64,
    /// Timed steps.
    pub steps: u64,
    /// Untimed steps before them.
    pub warmup: u64,
}

/// The LeNet training-step benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct LenetBench {
    /// Rounds of each measurement (the best is kept).
    pub rounds: u64,
    /// cairn, or why it has no number.
    pub cairn: Result<CairnLenet, String>,
    /// TensorFlow, or why it has no number.
    pub tf: Result<TfLenet, String>,
}

impl LenetBench {
    /// The promise: cairn's step ≤ 0.5 × TensorFlow's.
    pub fn ratio(&self) -> Ratio {
        let value = match (&self.cairn, &self.tf) {
            (Ok(c), Ok(t)) => Ok(c.step_ms() / t.median_ms),
            (Err(why), _) | (_, Err(why)) => Err(why.clone()),
        };
        Ratio {
            name: "LeNet training step (batch 100): cairn / TensorFlow".to_owned(),
            value,
            target: 0.5,
        }
    }

    /// The "LeNet training step" section.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "## LeNet training step\n\nThe Deep-MNIST LeNet (conv 5×5×32 SAME + ReLU + max-pool \
             2, conv 5×5×64 + ReLU + max-pool 2, fc 512 + ReLU, dropout 0.5, fc 10), \
             cross-entropy, Adam 1e-3, batch 100 of real MNIST, 2 threads. {} round(s) of \
             each measurement, the fastest kept.\n",
            self.rounds
        );
        let _ = writeln!(s, "| implementation | step (ms) | how |");
        let _ = writeln!(s, "|---|---:|---|");
        let _ = match &self.cairn {
            Ok(c) => writeln!(
                s,
                "| cairn (`cairn train --model lenet --log-every 0`) | {:.2} | mean of steps \
                 {}–{}: (loop time of a {}-step run {:.3} s − of a {}-step run {:.3} s) / {} |",
                c.step_ms(),
                c.short_steps + 1,
                c.long_steps,
                c.long_steps,
                c.long_s,
                c.short_steps,
                c.short_s,
                c.long_steps.saturating_sub(c.short_steps)
            ),
            Err(why) => writeln!(s, "| cairn | {why} | |"),
        };
        let _ = match &self.tf {
            Ok(t) => writeln!(
                s,
                "| TensorFlow classic (`Session.run` + `feed_dict`, 2 intra- and 2 inter-op \
                 threads) | {:.2} | median of {} steps after {} warm-up ({:.2} ms of CPU per \
                 step) |",
                t.median_ms, t.steps, t.warmup, t.cpu_ms
            ),
            Err(why) => writeln!(s, "| TensorFlow | {why} | |"),
        };
        s.push('\n');
        s
    }
}

/// The section when the LeNet benchmark did not run.
pub fn not_run(why: &str) -> String {
    format!("## LeNet training step\n\nNot measured in this run: {why}.\n\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> LenetBench {
        LenetBench {
            rounds: 3,
            cairn: Ok(CairnLenet {
                short_steps: 20,
                short_s: 1.0,
                long_steps: 120,
                long_s: 4.0,
            }),
            tf: Ok(TfLenet {
                median_ms: 40.0,
                cpu_ms: 70.0,
                steps: 100,
                warmup: 20,
            }),
        }
    }

    #[test]
    fn step_is_the_difference_per_extra_step() -> Result<(), String> {
        let b = sample();
        let c = b.cairn.as_ref().map_err(Clone::clone)?;
        assert!((c.step_ms() - 30.0).abs() < 1e-9);
        let r = b.ratio();
        assert_eq!(r.value, Ok(0.75));
        assert!(!r.met());
        let failed = LenetBench {
            tf: Err("bench_tf_lenet.py failed".into()),
            ..sample()
        };
        assert_eq!(failed.ratio().value, Err("bench_tf_lenet.py failed".into()));
        Ok(())
    }

    #[test]
    fn markdown_rows() -> Result<(), String> {
        let md = sample().markdown();
        for needle in [
            "## LeNet training step",
            "| 30.00 | mean of steps 21–120: (loop time of a 120-step run 4.000 s − of a \
             20-step run 1.000 s) / 100 |",
            "| 40.00 | median of 100 steps after 20 warm-up (70.00 ms of CPU per step) |",
        ] {
            assert!(md.contains(needle), "missing {needle:?} in\n{md}");
        }
        Ok(())
    }
}
