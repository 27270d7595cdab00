//! [`Trainer`]: the training loop over MNIST batches.

use crate::models::{self, ModelConfig, ModelGraph, ModelKind};
use crate::Error;
use cairn_graph::Session;
use cairn_mnist::{BatchIter, DataSet, Mnist};
use cairn_tensor::Tensor;

/// What to train and how.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// The model.
    pub kind: ModelKind,
    /// Examples per batch.
    pub batch_size: usize,
    /// Model hyper-parameters.
    pub model: ModelConfig,
    /// Seed of the batch shuffling.
    pub seed: u64,
}

impl TrainOptions {
    /// The classic defaults for `kind`: the MLP with lr 0.8 decayed by 0.99 every epoch,
    /// L2 1e-4 and EMA 0.99; softmax regression with lr 0.2, nothing else.
    pub fn defaults(kind: ModelKind) -> TrainOptions {
        let model = match kind {
            ModelKind::Mlp => ModelConfig {
                learning_rate: 0.8,
                lr_decay: 0.99,
                decay_steps: 550.0,
                l2: 1e-4,
                ema_decay: Some(0.99),
                seed: 1,
            },
            ModelKind::Lenet => ModelConfig {
                learning_rate: 1e-3,
                lr_decay: 1.0,
                decay_steps: 550.0,
                l2: 0.0,
                ema_decay: None,
                seed: 1,
            },
            ModelKind::Softmax => ModelConfig {
                learning_rate: 0.2,
                lr_decay: 1.0,
                decay_steps: 550.0,
                l2: 0.0,
                ema_decay: None,
                seed: 1,
            },
        };
        TrainOptions {
            kind,
            batch_size: 100,
            model,
            seed: 1,
        }
    }
}

/// A model, its session, the data and the batch iterator.
pub struct Trainer {
    /// The training graph's entry points.
    pub model: ModelGraph,
    session: Session,
    data: Mnist,
    iter: BatchIter,
    images: Vec<f32>,
    labels: Vec<u8>,
    one_hot: Vec<f32>,
}

impl Trainer {
    /// Builds the model, initializes its variables and positions the iterator at the
    /// start of the first epoch.
    pub fn new(data: Mnist, options: &TrainOptions) -> Result<Trainer, Error> {
        let model = models::build(options.kind, &options.model)?;
        let mut session = Session::new(model.graph.clone());
        session.run(&[], &[], &[model.init_op.as_str()])?;
        let iter = BatchIter::new(data.train.len(), options.batch_size, options.seed)?;
        Ok(Trainer {
            model,
            session,
            data,
            iter,
            images: Vec::new(),
            labels: Vec::new(),
            one_hot: Vec::new(),
        })
    }

    /// The session (variables, graph).
    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The session, read-only.
    pub fn session_ref(&self) -> &Session {
        &self.session
    }

    /// The global step: the `global_step` variable (training steps done).
    pub fn global_step(&self) -> i64 {
        self.session
            .variables()
            .get("global_step")
            .and_then(|t| t.scalar_value::<i64>().ok())
            .unwrap_or(0)
    }

    /// Replaces the batch iterator (resuming).
    pub fn set_batches(&mut self, iter: BatchIter) {
        self.iter = iter;
    }

    /// The batch iterator.
    pub fn batches(&self) -> &BatchIter {
        &self.iter
    }

    /// The data set.
    pub fn data(&self) -> &Mnist {
        &self.data
    }

    /// Runs one training step on the next batch and returns the batch loss (before the
    /// update).
    pub fn step(&mut self) -> Result<f32, Error> {
        // The whole step (batch copy and session run) with the pool's threads spinning.
        cairn_tensor::kernels::spinning(|| self.step_inner())
    }

    fn step_inner(&mut self) -> Result<f32, Error> {
        let idx = self.iter.next_indices();
        let train = &self.data.train;
        cairn_tensor::kernels::gather_rows(&train.images, train.image_size, idx, &mut self.images);
        self.labels.clear();
        self.labels.extend(idx.iter().map(|&i| train.labels[i]));
        cairn_mnist::one_hot(&self.labels, 10, &mut self.one_hot)?;
        let n = self.labels.len();
        let x = Tensor::from_vec([n, 784], std::mem::take(&mut self.images))?;
        let y = Tensor::from_vec([n, 10], std::mem::take(&mut self.one_hot))?;
        let mut loss = 0.0;
        let m = &self.model;
        let mut feeds = vec![(m.input.as_str(), &x), (m.labels.as_str(), &y)];
        feeds.extend(m.train_feeds.iter().map(|(n, t)| (n.as_str(), t)));
        let r = self
            .session
            .run_with(&feeds, &[m.loss.as_str()], &[m.train_op.as_str()], |t| {
                loss = t[0].scalar_value::<f32>().unwrap_or(f32::NAN)
            });
        // Keep the buffers for the next batch.
        self.images = take_vec(x);
        self.one_hot = take_vec(y);
        r?;
        Ok(loss)
    }

    /// Accuracy on `set` with the EMA weights (`ema`) or the trained ones.
    pub fn evaluate(&mut self, which: Split, ema: bool) -> Result<f64, Error> {
        let chunk = match self.model.kind {
            ModelKind::Lenet => EVAL_CHUNK,
            _ => usize::MAX,
        };
        self.evaluate_chunked(which, ema, chunk, &mut |_, _| {})
    }

    /// Like [`Trainer::evaluate`], scoring the split [`EVAL_CHUNK`] examples at a time
    /// and calling `progress(done, total)` after each piece (for a progress bar). The
    /// accuracy is the exact fraction of correct examples.
    pub fn evaluate_with_progress(
        &mut self,
        which: Split,
        ema: bool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<f64, Error> {
        self.evaluate_chunked(which, ema, EVAL_CHUNK, progress)
    }

    fn evaluate_chunked(
        &mut self,
        which: Split,
        ema: bool,
        chunk: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<f64, Error> {
        let set: &DataSet = match which {
            Split::Train => &self.data.train,
            Split::Validation => &self.data.validation,
            Split::Test => &self.data.test,
        };
        let mut onehot = Vec::new();
        cairn_mnist::one_hot(&set.labels, 10, &mut onehot)?;
        let m = &self.model;
        let fetch = if ema { &m.accuracy } else { &m.accuracy_raw };
        // Convolutional activations of the whole set would not fit in memory: score
        // chunks and weight their accuracies by size.
        let chunk = chunk.clamp(1, set.len().max(1));
        let mut correct = 0f64;
        for start in (0..set.len()).step_by(chunk) {
            let n = chunk.min(set.len() - start);
            let x = Tensor::from_vec(
                [n, 784],
                set.images[start * 784..(start + n) * 784].to_vec(),
            )?;
            let y = Tensor::from_vec([n, 10], onehot[start * 10..(start + n) * 10].to_vec())?;
            let out = self.session.run(
                &[(m.input.as_str(), &x), (m.labels.as_str(), &y)],
                &[fetch.as_str()],
                &[],
            )?;
            let acc = out[0].scalar_value::<f32>()? as f64;
            progress(start + n, set.len());
            if n == set.len() {
                return Ok(acc);
            }
            correct += (acc * n as f64).round();
        }
        Ok(correct / set.len().max(1) as f64)
    }
}

/// Images per evaluation run of a convolutional model, and per progress update.
pub const EVAL_CHUNK: usize = 1000;

/// A part of MNIST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The 55 000 training images.
    Train,
    /// The 5 000 validation images.
    Validation,
    /// The 10 000 test images.
    Test,
}

fn take_vec(t: Tensor) -> Vec<f32> {
    match t.into_parts().1 {
        cairn_tensor::Storage::F32(v) => v,
        _ => Vec::new(),
    }
}
