//! `cairn train --logdir`: the run as TensorBoard event files (graph once, then the
//! scalars `loss`, `learning_rate` and `accuracy/validation` at every logged step).

use anyhow::{Context, Result};
use cairn::summary::EventWriter;
use cairn::Trainer;
use prost::Message;
use std::path::Path;

/// An open event file of a training run.
pub struct TrainLog {
    writer: EventWriter,
}

impl TrainLog {
    /// Creates an event file in `logdir` and writes the training graph into it: the
    /// `GraphDef` of the `.meta` files `--save-dir` writes (saver nodes included). A run
    /// resumed at step N > 0 also gets `SessionLog START` at N, as TensorFlow's Supervisor
    /// writes, so TensorBoard drops what an interrupted run logged after its checkpoint.
    pub fn create(logdir: &Path, t: &Trainer) -> Result<TrainLog> {
        let mut writer = EventWriter::create(logdir)
            .with_context(|| format!("creating an event file in {}", logdir.display()))?;
        let meta = cairn::graph::graphdef::to_meta_graph_def(
            &t.model.graph,
            Some(&cairn::graph::graphdef::SaverOptions::default()),
        )?;
        let graph = meta.graph_def.unwrap_or_default().encode_to_vec();
        writer.add_graph(&graph)?;
        if t.global_step() > 0 {
            writer.add_session_start(t.global_step())?;
        }
        Ok(TrainLog { writer })
    }

    /// The learning rate the next training step will use (the decayed rate at the
    /// current global step): call it just before [`Trainer::step`].
    pub fn learning_rate(t: &mut Trainer) -> Result<f32> {
        let name = t.model.learning_rate.clone();
        let out = t.session().run(&[], &[name.as_str()], &[])?;
        let lr = out
            .first()
            .context("the learning-rate fetch returned nothing")?;
        Ok(lr.scalar_value::<f32>()?)
    }

    /// Appends the scalars of logged step `step` (flushed at once).
    pub fn log(&mut self, step: i64, loss: f32, learning_rate: f32, accuracy: f64) -> Result<()> {
        self.writer.add_scalars(
            step,
            &[
                ("loss", loss),
                ("learning_rate", learning_rate),
                ("accuracy/validation", accuracy as f32),
            ],
        )?;
        Ok(())
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        self.writer.path()
    }
}
