//! The "Checkpoints" section of `docs/BENCHMARKS.md`: saving and restoring a big
//! checkpoint with cairn and with TensorFlow's Saver, against `dd` on the same disk.

use std::fmt::Write as _;

/// `cairn bench-checkpoint --json`: median seconds of each operation.
#[derive(Debug, Clone, PartialEq)]
pub struct CairnCheckpoint {
    /// `BundleWriter` add + finish (fsync of both files and the directory, renames).
    pub save: f64,
    /// Every tensor into existing tensors (`read_into_many`), from the page cache.
    pub restore_into: f64,
    /// The same with memory-mapped data files.
    pub restore_into_mmap: f64,
    /// Every tensor into new tensors (`read_many`: several at once), from the page cache.
    pub restore: f64,
    /// The same with memory-mapped data files.
    pub restore_mmap: f64,
    /// Every tensor into new tensors one after the other on one thread (`read`), if
    /// measured (older `cairn` builds did not).
    pub restore_sequential: Option<f64>,
    /// Allocating and touching as many bytes in fresh tensors (no file involved).
    pub fresh_memory: f64,
    /// Opening the bundle and reading one tensor (`read`).
    pub one_tensor: f64,
    /// Opening the bundle and listing it.
    pub list: f64,
}

/// `bench_tf_saver.py`: median seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TfSaver {
    /// `Saver.save` as TensorFlow does it (no fsync).
    pub save: f64,
    /// `Saver.save` followed by an fsync of its files and directory.
    pub save_fsync: f64,
    /// `Saver.restore` from the page cache.
    pub restore: f64,
}

/// Everything the checkpoint benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointBench {
    /// Bytes of tensor data (the same for every tool).
    pub bytes: u64,
    /// Number of float32 tensors.
    pub tensors: u64,
    /// Where the files were written (the disk measured).
    pub dir: String,
    /// Timed repetitions behind each median.
    pub repeats: u64,
    /// Seconds of each `dd ... conv=fdatasync` run of `bytes` bytes.
    pub dd_seconds: Vec<f64>,
    /// cairn's numbers.
    pub cairn: CairnCheckpoint,
    /// TensorFlow's numbers, or why there are none.
    pub tf: Result<TfSaver, String>,
}

/// One promise: `value ≥ target` (`at_least`) or `value < target`.
#[derive(Debug, Clone, PartialEq)]
pub struct Promise {
    /// What is measured.
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// The promised bound.
    pub target: f64,
    /// Whether the value must reach the target (else stay below it).
    pub at_least: bool,
}

impl Promise {
    /// Whether the promise holds (NaN never does).
    pub fn met(&self) -> bool {
        if self.at_least {
            self.value >= self.target
        } else {
            self.value < self.target
        }
    }
}

/// Median of `v` (NaN when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

impl CheckpointBench {
    /// GB/s (GB = 10⁹ bytes) for an operation on all the bytes taking `seconds`.
    pub fn gbps(&self, seconds: f64) -> f64 {
        self.bytes as f64 / seconds / 1e9
    }

    /// Median seconds of the `dd` runs.
    pub fn dd(&self) -> f64 {
        median(&self.dd_seconds)
    }

    /// The promised ratios and speeds.
    pub fn promises(&self) -> Vec<Promise> {
        let c = &self.cairn;
        let mut v = vec![Promise {
            name: "cairn save / `dd` write bandwidth (both fsynced)".into(),
            value: self.dd() / c.save,
            target: 0.8,
            at_least: true,
        }];
        if let Ok(tf) = &self.tf {
            v.push(Promise {
                name: "cairn save / TensorFlow `Saver.save` bandwidth".into(),
                value: tf.save / c.save,
                target: 3.0,
                at_least: true,
            });
        }
        v.push(Promise {
            name: "cairn restore from page cache into existing tensors (GB/s)".into(),
            value: self.gbps(c.restore_into),
            target: 3.0,
            at_least: true,
        });
        v.push(Promise {
            name: "cairn restore from page cache into new tensors (GB/s)".into(),
            value: self.gbps(c.restore),
            target: 3.0,
            at_least: true,
        });
        v.push(Promise {
            name: "cairn: one tensor / the whole checkpoint (time, both with `read`)".into(),
            value: c.one_tensor / c.restore,
            target: 0.05,
            at_least: false,
        });
        v
    }

    /// The Markdown section.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let c = &self.cairn;
        let mib = self.bytes as f64 / f64::from(1 << 20);
        let per = mib / self.tensors.max(1) as f64;
        let _ = writeln!(
            s,
            "## Checkpoints\n\n{mib:.0} MiB of float32 variables ({} tensors of {per:.1} MiB), \
             written to `{}`. Medians of {} runs each ({} for `dd`); GB = 10⁹ bytes. \
             Restores read from the page cache (one untimed read first).\n",
            self.tensors,
            self.dir,
            self.repeats,
            self.dd_seconds.len()
        );
        let _ = writeln!(s, "| operation | median (s) | GB/s |\n|---|---:|---:|");
        let mut row = |name: &str, secs: f64| {
            let _ = writeln!(s, "| {name} | {secs:.3} | {:.2} |", self.gbps(secs));
        };
        row(
            "`dd if=/dev/zero bs=4M conv=fdatasync` (the disk's sequential write)",
            self.dd(),
        );
        row(
            "cairn save (`BundleWriter`: write, fsync both files, rename, fsync the directory)",
            c.save,
        );
        if let Ok(tf) = &self.tf {
            row(
                "TensorFlow `Saver.save` (as TensorFlow does it: no fsync)",
                tf.save,
            );
            row(
                "TensorFlow `Saver.save` + fsync of its files and directory",
                tf.save_fsync,
            );
        }
        row(
            "cairn restore into existing tensors (`read_into_many`)",
            c.restore_into,
        );
        row(
            "cairn restore into existing tensors, memory-mapped",
            c.restore_into_mmap,
        );
        row(
            "cairn restore into new tensors (`read_many`, as `Saver::restore`)",
            c.restore,
        );
        row(
            "cairn restore into new tensors, memory-mapped",
            c.restore_mmap,
        );
        if let Some(seq) = c.restore_sequential {
            row(
                "cairn restore into new tensors, one by one on one thread (`read`)",
                seq,
            );
        }
        row(
            "allocating and touching that much fresh memory on one thread (no file: the floor of a one-thread restore into new tensors)",
            c.fresh_memory,
        );
        match &self.tf {
            Ok(tf) => row(
                "TensorFlow `Saver.restore` (RestoreV2 + Assign)",
                tf.restore,
            ),
            Err(why) => {
                let _ = writeln!(s, "| TensorFlow `Saver` | not available ({why}) | |");
            }
        }
        let _ = writeln!(
            s,
            "| cairn: open + read one {per:.1} MiB tensor | {:.5} | |\n\
             | cairn: open + list the {} entries | {:.5} | |",
            c.one_tensor, self.tensors, c.list
        );
        let _ = writeln!(
            s,
            "\n| checkpoint promise | measured | target | met |\n|---|---:|---:|:---:|"
        );
        for p in self.promises() {
            let _ = writeln!(
                s,
                "| {} | {:.3} | {} {} | {} |",
                p.name,
                p.value,
                if p.at_least { "≥" } else { "<" },
                p.target,
                if p.met() { "yes" } else { "**no**" }
            );
        }
        s.push_str(NOTES);
        s
    }
}

const NOTES: &str = "
TensorFlow's `BundleWriter` closes and renames its files without syncing them (checked with
`strace -e fsync,fdatasync`), so its `Saver.save` time is a write into the page cache; cairn's
save includes making the checkpoint durable. A restore into new tensors costs at least the
page faults of fresh memory (the \"fresh memory\" row, one thread), which virtual machines make
expensive; `read_many` takes them on every core by reading several tensors at once, and
restoring into the existing variables, as a training or serving process does, avoids them.
Reproduce with `cargo xtask bench` (`--skip-checkpoint` skips this part, `--checkpoint-dir DIR`
picks the disk), or by hand: `target/release/cairn bench-checkpoint --dir DIR --json`,
`python xtask/python/bench_tf_saver.py --dir DIR`, and the `dd` command above.
";

/// The section for a run whose checkpoint benchmark was skipped or failed.
pub fn not_run(why: &str) -> String {
    format!("## Checkpoints\n\nNot measured in this run: {why}.\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> CheckpointBench {
        CheckpointBench {
            bytes: 1 << 30,
            tensors: 256,
            dir: "/tmp/x".into(),
            repeats: 3,
            dd_seconds: vec![1.0, 0.8, 5.0],
            cairn: CairnCheckpoint {
                save: 0.9,
                restore_into: 0.3,
                restore_into_mmap: 0.25,
                restore: 0.8,
                restore_mmap: 0.7,
                restore_sequential: Some(0.9),
                fresh_memory: 0.5,
                one_tensor: 0.001,
                list: 0.0001,
            },
            tf: Ok(TfSaver {
                save: 4.0,
                save_fsync: 5.0,
                restore: 1.4,
            }),
        }
    }

    #[test]
    fn promises_compare_the_right_numbers() -> Result<(), String> {
        let b = sample();
        assert_eq!(b.dd(), 1.0);
        let p = b.promises();
        assert_eq!(p.len(), 5);
        assert!((p[0].value - 1.0 / 0.9).abs() < 1e-12 && p[0].met());
        assert!((p[1].value - 4.0 / 0.9).abs() < 1e-12 && p[1].met());
        assert!((p[2].value - (1u64 << 30) as f64 / 0.3e9).abs() < 1e-9 && p[2].met());
        assert!(!p[3].met(), "{} GB/s < 3", p[3].value);
        assert!((p[4].value - 0.00125).abs() < 1e-12 && p[4].met());
        let mut slow = sample();
        slow.cairn.save = 2.0;
        slow.tf = Err("no TensorFlow".into());
        let p = slow.promises();
        assert_eq!(p.len(), 4);
        assert!(!p[0].met());
        assert!(!Promise {
            name: String::new(),
            value: f64::NAN,
            target: 1.0,
            at_least: true
        }
        .met());
        Ok(())
    }

    #[test]
    fn markdown_has_every_row() -> Result<(), String> {
        let md = sample().markdown();
        for needle in [
            "## Checkpoints",
            "1024 MiB of float32 variables (256 tensors of 4.0 MiB)",
            "Medians of 3 runs each (3 for `dd`)",
            "| `dd if=/dev/zero bs=4M conv=fdatasync` (the disk's sequential write) | 1.000 | 1.07 |",
            "| TensorFlow `Saver.save` (as TensorFlow does it: no fsync) | 4.000 | 0.27 |",
            "| cairn restore into existing tensors (`read_into_many`) | 0.300 | 3.58 |",
            "| cairn save / `dd` write bandwidth (both fsynced) | 1.111 | ≥ 0.8 | yes |",
            "| cairn restore from page cache into new tensors (GB/s) | 1.342 | ≥ 3 | **no** |",
            "| < 0.05 | yes |",
            "without syncing them",
        ] {
            assert!(md.contains(needle), "missing {needle:?} in\n{md}");
        }
        let mut no_tf = sample();
        no_tf.tf = Err("bench_tf_saver.py failed".into());
        assert!(no_tf
            .markdown()
            .contains("not available (bench_tf_saver.py failed)"));
        assert!(not_run("skipped with --skip-checkpoint").contains("Not measured"));
        Ok(())
    }
}
