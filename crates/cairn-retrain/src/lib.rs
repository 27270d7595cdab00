//! **cairn-retrain**: transfer learning as TensorFlow's `retrain.py` does it. A frozen
//! image model (the 2015 Inception-v3 `classify_image_graph_def.pb`, a Keras-frozen
//! MobileNet, …) turns each image of a folder `DIR/<class>/*.jpg|png` into a bottleneck
//! vector once (cached on disk); a new softmax layer is trained on those vectors with
//! cairn's own autodiff; the result is one frozen graph, the old body plus the new
//! layer, ending in `final_result`, that cairn and TensorFlow both run.
//!
//! - [`images`]: the class folders and their training / validation / testing split (by
//!   a hash of each file name, as `retrain.py` splits);
//! - [`model`]: loading the model and feeding it images ([`model::InputKind`]: encoded
//!   bytes to `DecodeJpeg/contents:0`, or pixels decoded and resized by cairn);
//! - [`cache`]: bottleneck files;
//! - [`head`]: the new layer and its training ([`HeadConfig`]);
//! - [`output`]: the retrained GraphDef;
//! - [`retrain`]: all of it, reporting progress through [`Event`]s.
//!
//! ```
//! use cairn_retrain::images::{label_of, set_of, Set};
//! // Labels and the split follow retrain.py: lower case, other characters → one space,
//! // and the set of a file depends only on its name (`_nohash_` suffixes ignored).
//! assert_eq!(label_of("Sun_Flowers"), "sun flowers");
//! assert_eq!(set_of("rose_nohash_2.jpg", 10.0, 10.0), set_of("rose", 10.0, 10.0));
//! assert_eq!(set_of("anything.jpg", 0.0, 0.0), Set::Training);
//! ```
#![forbid(unsafe_code)]

pub mod cache;
mod error;
pub mod head;
pub mod images;
pub mod model;
pub mod output;

pub use error::{Error, Result};
pub use head::{Head, HeadConfig, StepReport};

use head::Examples;
use images::{Class, Set};
use prost::Message;
use std::path::{Path, PathBuf};

/// What to retrain and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The frozen model (binary GraphDef).
    pub graph: PathBuf,
    /// The bottleneck tensor (`pool_3/_reshape:0`).
    pub bottleneck_tensor: String,
    /// The input tensor; default `DecodeJpeg/contents:0` if the graph has it, else its
    /// only Placeholder.
    pub input_tensor: Option<String>,
    /// Image size fed to a pixel input (default: from the placeholder's shape).
    pub input_size: Option<usize>,
    /// Subtracted from pixel values (0‥255) fed to a pixel input.
    pub input_mean: f32,
    /// Divides centred pixel values fed to a pixel input.
    pub input_std: f32,
    /// `DIR/<class>/*.jpg|jpeg|png`.
    pub image_dir: PathBuf,
    /// Where bottlenecks are cached (`None`: not cached).
    pub bottleneck_dir: Option<PathBuf>,
    /// Percentage of images held out for validation (10).
    pub validation_percentage: f64,
    /// Percentage of images held out for the final test (10).
    pub testing_percentage: f64,
    /// Training of the new layer.
    pub head: HeadConfig,
    /// Name of the new softmax (`final_result`).
    pub final_tensor_name: String,
}

impl Options {
    /// `retrain.py`'s defaults for `graph`, `bottleneck_tensor` and `image_dir`.
    pub fn new(graph: PathBuf, bottleneck_tensor: &str, image_dir: PathBuf) -> Options {
        Options {
            graph,
            bottleneck_tensor: bottleneck_tensor.to_string(),
            input_tensor: None,
            input_size: None,
            input_mean: 0.0,
            input_std: 255.0,
            image_dir,
            bottleneck_dir: None,
            validation_percentage: 10.0,
            testing_percentage: 10.0,
            head: HeadConfig::default(),
            final_tensor_name: "final_result".to_string(),
        }
    }
}

/// Progress of [`retrain`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The image folder was read.
    Scanned {
        /// Class labels, in class-index order.
        labels: Vec<String>,
        /// Images in the training, validation and testing sets.
        counts: [usize; 3],
    },
    /// One more bottleneck is ready.
    Bottleneck {
        /// Bottlenecks ready so far.
        done: usize,
        /// Bottlenecks needed.
        total: usize,
        /// True if it came from the cache.
        cached: bool,
    },
    /// An evaluation during training.
    Step(StepReport),
}

/// The outcome of [`retrain`].
#[derive(Clone, Debug, PartialEq)]
pub struct Retrained {
    /// The retrained frozen graph.
    pub graph: cairn_proto::GraphDef,
    /// Class labels, one per output of `final_result`, in order.
    pub labels: Vec<String>,
    /// Values per bottleneck.
    pub bottleneck_size: usize,
    /// Images in the training, validation and testing sets.
    pub counts: [usize; 3],
    /// Bottlenecks computed by running the model.
    pub computed: usize,
    /// Bottlenecks read from the cache.
    pub cached: usize,
    /// The last evaluation of training.
    pub last: Option<StepReport>,
    /// Accuracy of the new layer on the testing set, if it has images.
    pub test_accuracy: Option<f64>,
}

/// Retrains: scans the folder, computes (or reads) every image's bottleneck, trains the
/// new layer and returns the retrained graph.
pub fn retrain(opts: &Options, on_event: &mut dyn FnMut(Event)) -> Result<Retrained> {
    let classes = images::scan(
        &opts.image_dir,
        opts.validation_percentage,
        opts.testing_percentage,
    )?;
    let labels: Vec<String> = classes.iter().map(|c| c.label.clone()).collect();
    let count = |s: Set| classes.iter().map(|c| c.set(s).len()).sum::<usize>();
    let counts = [
        count(Set::Training),
        count(Set::Validation),
        count(Set::Testing),
    ];
    on_event(Event::Scanned {
        labels: labels.clone(),
        counts,
    });
    let graph_bytes = std::fs::read(&opts.graph).map_err(|e| Error::io(&opts.graph, e))?;
    let model_def = cairn_proto::GraphDef::decode(graph_bytes.as_slice()).map_err(|source| {
        Error::GraphDef {
            path: opts.graph.clone(),
            source,
        }
    })?;
    let mut model = model::Model::load(
        &opts.graph,
        &graph_bytes,
        &opts.bottleneck_tensor,
        opts.input_tensor.as_deref(),
        opts.input_size,
        opts.input_mean,
        opts.input_std,
    )?;
    let tag = cache::model_tag(
        &graph_bytes,
        &format!("{}|{:?}", model.bottleneck(), model.input()),
    );
    let mut b = Bottlenecks {
        model: &mut model,
        dir: opts.bottleneck_dir.as_deref(),
        tag,
        dim: None,
        done: 0,
        total: counts.iter().sum(),
        computed: 0,
        cached: 0,
    };
    let train = b.examples(&classes, Set::Training, on_event)?;
    let validation = b.examples(&classes, Set::Validation, on_event)?;
    let testing = b.examples(&classes, Set::Testing, on_event)?;
    let (dim, computed, cached) = (b.dim.unwrap_or(0), b.computed, b.cached);
    let mut trainer = head::Trainer::new(dim, classes.len(), &opts.head)?;
    let mut last = None;
    trainer.train(&train, &validation, &opts.head, &mut |r| {
        last = Some(r.clone());
        on_event(Event::Step(r.clone()));
    })?;
    let test_accuracy = if testing.is_empty() {
        None
    } else {
        Some(trainer.evaluate(&testing)?.0)
    };
    let head = trainer.head()?;
    let graph = output::retrained_graph(
        &model_def,
        &model::tensor_name(&opts.bottleneck_tensor),
        dim,
        &head,
        &opts.final_tensor_name,
    )?;
    Ok(Retrained {
        graph,
        labels,
        bottleneck_size: dim,
        counts,
        computed,
        cached,
        last,
        test_accuracy,
    })
}

/// Computes or reads bottlenecks, counting them.
struct Bottlenecks<'a> {
    model: &'a mut model::Model,
    dir: Option<&'a Path>,
    tag: String,
    dim: Option<usize>,
    done: usize,
    total: usize,
    computed: usize,
    cached: usize,
}

impl Bottlenecks<'_> {
    fn one(&mut self, class: &Class, image: &Path) -> Result<(Vec<f32>, bool)> {
        let path = self
            .dir
            .map(|d| cache::cache_path(d, &class.dir_name, image, &self.tag));
        if let Some(v) = path.as_deref().and_then(|p| cache::load(p, self.dim)) {
            return Ok((v, true));
        }
        let bytes = std::fs::read(image).map_err(|e| Error::io(image, e))?;
        let v = self.model.bottleneck_of(image, &bytes)?;
        if let Some(p) = &path {
            cache::store(p, &v)?;
        }
        Ok((v, false))
    }

    fn examples(
        &mut self,
        classes: &[Class],
        set: Set,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Examples> {
        let mut ex = Examples::default();
        for (index, class) in classes.iter().enumerate() {
            for image in class.set(set) {
                let (v, cached) = self.one(class, image)?;
                match self.dim {
                    None if v.is_empty() => {
                        return Err(Error::Model {
                            what: format!("empty bottleneck for {}", image.display()),
                        })
                    }
                    None => self.dim = Some(v.len()),
                    Some(d) if d != v.len() => {
                        return Err(Error::Model {
                            what: format!(
                                "bottleneck of {} has {} values, others {d}",
                                image.display(),
                                v.len()
                            ),
                        })
                    }
                    Some(_) => {}
                }
                ex.x.extend_from_slice(&v);
                ex.y.push(index as i64);
                self.done += 1;
                if cached {
                    self.cached += 1;
                } else {
                    self.computed += 1;
                }
                on_event(Event::Bottleneck {
                    done: self.done,
                    total: self.total,
                    cached,
                });
            }
        }
        Ok(ex)
    }
}
