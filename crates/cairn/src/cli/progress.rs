//! Progress output on stderr: a bar (rate, ETA) on a terminal, occasional plain lines
//! otherwise (never escape codes), nothing at all with `--quiet`.
//!
//! Every subcommand gets the global `--quiet` flag; [`set_quiet`] records it once at
//! start-up and [`quiet`] reads it, so a subcommand can build its reporter with
//! `Progress::bytes(total, quiet())`. Typical use, e.g. copying a large file:
//!
//! ```text
//! let p = Progress::bytes(total_bytes, quiet());
//! for chunk in chunks { write(chunk)?; p.inc(chunk.len() as u64); }
//! p.finish();
//! ```

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Records the global `--quiet` flag (once, before the subcommand runs).
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

/// Whether `--quiet` was given: print nothing but errors (and `--json` output on stdout).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints a note on stderr unless `--quiet`.
pub fn note(s: &str) {
    if !quiet() {
        eprintln!("{s}");
    }
}

/// What a reporter counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Steps,
    Bytes,
    Examples,
    Spinner,
}

/// The state of plain-line output (stderr not a terminal).
struct Plain {
    started: Instant,
    start: u64,
    pos: u64,
    last_line: Instant,
}

/// A progress reporter on stderr. All methods take `&self` (it is `Sync`).
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    unit: Unit,
    total: u64,
    /// Plain mode only: lines at most this often.
    plain: Option<Mutex<Plain>>,
    /// Whether plain mode prints periodic lines itself (train prints its own log lines).
    plain_lines: bool,
}

/// Plain lines at most this often.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    fn build(unit: Unit, start: u64, total: u64, quiet: bool) -> Progress {
        let terminal = !quiet && std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let (b, template) = match unit {
                Unit::Steps => (
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                    "{bar:40} {pos}/{len} steps  {per_sec}  ETA {eta}  {msg}",
                ),
                Unit::Bytes => (
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                    "{bar:40} {bytes}/{total_bytes}  {binary_bytes_per_sec}  ETA {eta}  {msg}",
                ),
                Unit::Examples => (
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                    "{bar:40} {pos}/{len} examples  {per_sec}  ETA {eta}  {msg}",
                ),
                Unit::Spinner => (
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                    "{spinner} {msg} ({elapsed})",
                ),
            };
            b.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_position(start);
            if unit == Unit::Spinner {
                b.enable_steady_tick(Duration::from_millis(120));
            }
            b
        });
        let now = Instant::now();
        let plain = (!terminal && !quiet).then(|| {
            Mutex::new(Plain {
                started: now,
                start,
                pos: start,
                last_line: now,
            })
        });
        Progress {
            bar,
            quiet,
            unit,
            total,
            plain,
            plain_lines: matches!(unit, Unit::Bytes | Unit::Examples),
        }
    }

    /// Training steps from `start` to `total` (`cairn train`). In plain mode it prints no
    /// lines of its own: the caller's [`Progress::line`]s carry [`Progress::rate_eta`].
    pub fn new(start: u64, total: u64, quiet: bool) -> Progress {
        Progress::build(Unit::Steps, start, total, quiet)
    }

    /// `total` bytes to process (`cairn convert` of large files): a bar with bytes/s and
    /// ETA, or in plain mode a line every few seconds and one at the end.
    pub fn bytes(total: u64, quiet: bool) -> Progress {
        Progress::build(Unit::Bytes, 0, total, quiet)
    }

    /// `total` examples to score (`cairn eval`): a bar with examples/s and ETA, or in
    /// plain mode a line every few seconds (none for a short evaluation).
    pub fn examples(total: u64, quiet: bool) -> Progress {
        Progress::build(Unit::Examples, 0, total, quiet)
    }

    /// Work of unknown length labelled `what` (`scoring model.ckpt-300`): a spinner with
    /// the elapsed time on a terminal, nothing in plain mode.
    pub fn spinner(what: &str, quiet: bool) -> Progress {
        let p = Progress::build(Unit::Spinner, 0, 0, quiet);
        p.set_message(what);
        p
    }

    /// Sets the message shown after the bar (spinner: what is going on).
    pub fn set_message(&self, s: &str) {
        if let Some(b) = &self.bar {
            b.set_message(s.to_string());
        }
    }

    /// Advances to `pos`.
    pub fn set(&self, pos: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
        }
        self.plain_update(|p| p.pos = pos);
    }

    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
        self.plain_update(|p| p.pos = p.pos.saturating_add(n));
    }

    fn plain_update(&self, f: impl FnOnce(&mut Plain)) {
        let Some(m) = &self.plain else { return };
        let Ok(mut p) = m.lock() else { return };
        f(&mut p);
        if self.plain_lines && p.last_line.elapsed() >= PLAIN_EVERY {
            p.last_line = Instant::now();
            eprintln!("{}", self.plain_status(&p));
        }
    }

    fn plain_status(&self, p: &Plain) -> String {
        let amount = match self.unit {
            Unit::Bytes => format!("{}/{}", human_bytes(p.pos), human_bytes(self.total)),
            _ => format!("{}/{}", p.pos, self.total),
        };
        format!("progress: {amount}{}", rate_eta(p, self.total, self.unit))
    }

    /// `" (123 steps/s, ETA 4s)"` from the progress so far, or empty on a terminal (the
    /// bar shows both), with `--quiet`, or before any progress.
    pub fn rate_eta(&self) -> String {
        match &self.plain {
            Some(m) => m
                .lock()
                .map(|p| rate_eta(&p, self.total, self.unit))
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Runs `f` (which may print) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Prints a line (above the bar on a terminal), unless quiet.
    pub fn line(&self, s: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }

    /// Removes the bar (plain byte counts: prints the final line).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if let Some(Ok(p)) = self.plain.as_ref().map(|m| m.lock()) {
            if self.unit == Unit::Bytes {
                eprintln!("{}", self.plain_status(&p));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            if !b.is_finished() {
                b.finish_and_clear();
            }
        }
    }
}

fn rate_eta(p: &Plain, total: u64, unit: Unit) -> String {
    let done = p.pos.saturating_sub(p.start);
    let secs = p.started.elapsed().as_secs_f64();
    if done == 0 || secs <= 0.0 {
        return String::new();
    }
    let rate = done as f64 / secs;
    let left = total.saturating_sub(p.pos) as f64 / rate;
    let rate = match unit {
        Unit::Bytes => format!("{}/s", human_bytes(rate as u64)),
        Unit::Examples => format!("{rate:.0} examples/s"),
        _ => format!("{rate:.0} steps/s"),
    };
    format!(" ({rate}, ETA {})", human_duration(left))
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

fn human_duration(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(human_duration(4.4), "4s");
        assert_eq!(human_duration(125.0), "2m05s");
        assert_eq!(human_duration(7300.0), "2h01m");
    }

    #[test]
    fn quiet_reporter_has_no_bar_and_no_rate() {
        let p = Progress::bytes(100, true);
        p.inc(50);
        assert!(p.bar.is_none());
        assert_eq!(p.rate_eta(), "");
        p.finish();
    }
}
