//! Reading the one-line JSON reports the benchmark programs print.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::report::StepTiming;

/// The last stdout line that parses as a JSON object.
pub fn last_json_line(stdout: &str) -> Result<Value> {
    stdout
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .find_map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(Value::is_object)
        })
        .with_context(|| format!("no JSON object line in stdout: {:?}", tail(stdout)))
}

fn tail(s: &str) -> &str {
    let start = s.char_indices().rev().nth(300).map_or(0, |(i, _)| i);
    &s[start..]
}

/// A finite number field of a JSON object.
pub fn field(json: &Value, key: &str, what: &str) -> Result<f64> {
    json.get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
        .with_context(|| format!("{what}: JSON has no finite number `{key}`: {json}"))
}

/// `step_ms_median`, `step_ms_min`, `steps` of a benchmark's JSON.
pub fn step_timing(json: &Value, what: &str) -> Result<StepTiming> {
    let steps = json
        .get("steps")
        .and_then(Value::as_u64)
        .with_context(|| format!("{what}: JSON has no integer `steps`: {json}"))?;
    Ok(StepTiming {
        median_ms: field(json, "step_ms_median", what)?,
        min_ms: field(json, "step_ms_min", what)?,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_last_json_line() -> Result<()> {
        let out = "loading...\n{\"steps\": 1}\nnoise {\n{\"step_ms_median\": 1.5, \
                   \"step_ms_min\": 1.25, \"gemm_ms_median\": 1.0, \"steps\": 2000}\n";
        let json = last_json_line(out)?;
        let t = step_timing(&json, "test")?;
        assert_eq!(
            t,
            StepTiming {
                median_ms: 1.5,
                min_ms: 1.25,
                steps: 2000
            }
        );
        assert_eq!(field(&json, "gemm_ms_median", "test")?, 1.0);
        Ok(())
    }

    #[test]
    fn rejects_missing_or_bad_fields() -> Result<()> {
        assert!(last_json_line("no json here\n[1, 2]\n").is_err());
        let json = last_json_line("{\"step_ms_median\": \"fast\", \"steps\": -3}")?;
        assert!(field(&json, "step_ms_median", "t").is_err());
        assert!(field(&json, "absent", "t").is_err());
        assert!(step_timing(&json, "t").is_err());
        Ok(())
    }
}
