//! The project's promised ratios and their table.

use std::fmt::Write as _;

/// One promised ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    /// What is divided by what.
    pub name: String,
    /// The measured value, or why there is none (a framework failed, was not built, or the
    /// part was skipped).
    pub value: Result<f64, String>,
    /// The promise: value ≤ target.
    pub target: f64,
}

impl Ratio {
    /// Whether the promise holds (never when it could not be measured).
    pub fn met(&self) -> bool {
        self.value.as_ref().is_ok_and(|v| *v <= self.target)
    }
}

/// A promise that was not measured in this run, with the reason.
pub fn unmeasured(name: &str, target: f64, why: &str) -> Ratio {
    Ratio {
        name: name.to_owned(),
        value: Err(why.to_owned()),
        target,
    }
}

/// The "Promises" section: one row per ratio (measured, target, met).
pub fn markdown(ratios: &[Ratio]) -> String {
    let mut s = String::from("## Promises\n\n| ratio | measured | target | met |\n");
    s.push_str("|---|---:|---:|:---:|\n");
    for r in ratios {
        let _ = match &r.value {
            Ok(v) => writeln!(
                s,
                "| {} | {v:.3} | ≤ {} | {} |",
                r.name,
                r.target,
                if r.met() { "yes" } else { "**no**" }
            ),
            Err(why) => writeln!(s, "| {} | {why} | ≤ {} | not measured |", r.name, r.target),
        };
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_for_measured_and_unmeasured() -> Result<(), String> {
        let ok = Ratio {
            name: "a / b".into(),
            value: Ok(0.25),
            target: 0.5,
        };
        let slow = Ratio {
            value: Ok(0.75),
            ..ok.clone()
        };
        let none = unmeasured("c / d", 0.8, "tract failed: boom");
        assert!(ok.met() && !slow.met() && !none.met());
        let md = markdown(&[ok, slow, none]);
        for needle in [
            "| a / b | 0.250 | ≤ 0.5 | yes |",
            "| a / b | 0.750 | ≤ 0.5 | **no** |",
            "| c / d | tract failed: boom | ≤ 0.8 | not measured |",
        ] {
            assert!(md.contains(needle), "missing {needle:?} in\n{md}");
        }
        Ok(())
    }
}
