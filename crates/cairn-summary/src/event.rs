//! Building `tensorflow.Event`s and reading scalars back out of them.

use cairn_proto::tensorflow::{event, session_log, summary, SessionLog};
use cairn_proto::{tensor_from_proto, Event, Summary};
use cairn_tensor::DType;

/// Seconds since the Unix epoch, as `Event.wall_time` holds them.
pub fn wall_time_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The first event of a file: `file_version: "brain.Event:2"`.
pub fn file_version_event(wall_time: f64) -> Event {
    Event {
        wall_time,
        what: Some(event::What::FileVersion(
            crate::writer::FILE_VERSION.to_string(),
        )),
        ..Event::default()
    }
}

/// An event carrying an encoded `GraphDef`.
pub fn graph_event(wall_time: f64, graph_def: &[u8]) -> Event {
    Event {
        wall_time,
        what: Some(event::What::GraphDef(graph_def.to_vec())),
        ..Event::default()
    }
}

/// `SessionLog { status: START }` at `step`: a run restarted (resumed from a checkpoint) at
/// `step`, so TensorBoard drops the previous run's points logged after it.
pub fn session_start_event(wall_time: f64, step: i64) -> Event {
    Event {
        wall_time,
        step,
        what: Some(event::What::SessionLog(SessionLog {
            status: session_log::SessionStatus::Start as i32,
            ..SessionLog::default()
        })),
        ..Event::default()
    }
}

/// An event at `step` with one `Summary.Value { tag, simple_value }` per scalar.
pub fn scalars_event(wall_time: f64, step: i64, scalars: &[(&str, f32)]) -> Event {
    let value = scalars
        .iter()
        .map(|&(tag, v)| summary::Value {
            tag: tag.to_string(),
            value: Some(summary::value::Value::SimpleValue(v)),
            ..summary::Value::default()
        })
        .collect();
    Event {
        wall_time,
        step,
        what: Some(event::What::Summary(Summary { value })),
        ..Event::default()
    }
}

/// The scalar a summary value holds: its `simple_value` (TensorFlow 1.x, cairn), or a
/// one-element float tensor (TensorFlow 2's `tf.summary.scalar`), widened to `f64`.
pub fn scalar_value(v: &summary::Value) -> Option<f64> {
    match v.value.as_ref()? {
        summary::value::Value::SimpleValue(x) => Some(f64::from(*x)),
        summary::value::Value::Tensor(p) => {
            let t = tensor_from_proto(p).ok()?;
            if t.len() != 1 {
                return None;
            }
            match t.dtype() {
                DType::Float32 => t.as_slice::<f32>().ok()?.first().map(|x| f64::from(*x)),
                DType::Float64 => t.as_slice::<f64>().ok()?.first().copied(),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_tensor::Tensor;

    #[test]
    fn scalar_from_simple_value_and_tensor() -> Result<(), Box<dyn std::error::Error>> {
        let e = scalars_event(1.0, 7, &[("loss", 0.5)]);
        let Some(event::What::Summary(s)) = &e.what else {
            return Err("no summary".into());
        };
        assert_eq!(scalar_value(&s.value[0]), Some(0.5));
        let t = Tensor::scalar(2.5f32);
        let v = summary::Value {
            tag: "x".into(),
            value: Some(summary::value::Value::Tensor(cairn_proto::tensor_to_proto(
                &t,
                cairn_proto::Encoding::Content,
            ))),
            ..summary::Value::default()
        };
        assert_eq!(scalar_value(&v), Some(2.5));
        Ok(())
    }
}
