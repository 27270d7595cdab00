//! The crate's error type.

use std::path::PathBuf;

/// Anything that stops a retraining.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The model graph is not a GraphDef.
    #[error("{path}: not a GraphDef: {source}")]
    GraphDef {
        /// The graph file.
        path: PathBuf,
        /// The decoding error.
        source: prost::DecodeError,
    },
    /// Building or running a graph failed.
    #[error("{context}: {source}")]
    Graph {
        /// What was being done.
        context: String,
        /// The graph error.
        source: Box<cairn_graph::Error>,
    },
    /// An image could not be decoded.
    #[error("{path}: {source}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoding error.
        source: cairn_image::Error,
    },
    /// The image directory does not hold what retraining needs.
    #[error("{dir}: {what}")]
    ImageDir {
        /// The image directory.
        dir: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A tensor the model produced has the wrong type or size.
    #[error("{what}")]
    Model {
        /// What is wrong.
        what: String,
    },
    /// An option is out of range.
    #[error("invalid option: {0}")]
    Option(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] cairn_tensor::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn graph(context: impl Into<String>) -> impl FnOnce(cairn_graph::Error) -> Error {
        let context = context.into();
        move |source| Error::Graph {
            context,
            source: Box::new(source),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
