//! The error type of `cairn-formats`.

use cairn_tensor::DType;
use std::path::PathBuf;

/// Everything that can go wrong reading, writing or converting named-tensor files.
/// Every variant names the file; those about one tensor name it, and those about bytes
/// give the byte offset where the problem was found.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file name whose extension names no format this crate knows.
    #[error("{path}: unknown format (expected .safetensors, .npz, or a checkpoint prefix / .index file / directory)")]
    UnknownFormat {
        /// The path.
        path: PathBuf,
    },
    /// A tensor whose dtype the destination format cannot hold.
    #[error("{path}: tensor {name:?} is {}, which {format} cannot hold{}", dtype.numpy_name(), hint(*dtype, format))]
    Unsupported {
        /// The file being written or read.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Its dtype.
        dtype: DType,
        /// The format (`safetensors`, `npz`).
        format: &'static str,
    },
    /// A dtype in a file that cairn has no equivalent for (a float8 in safetensors, a
    /// big-endian or structured dtype in `.npy`).
    #[error("{path}: tensor {name:?} has dtype {found}, which cairn cannot represent")]
    ForeignDType {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The dtype as the file spells it.
        found: String,
    },
    /// Malformed bytes (a bad header, a size or offset past the end of the file, a bad
    /// checksum).
    #[error("{path}: {what} (at byte offset {offset}{})", member.as_deref().map(|m| format!(", member {m:?}")).unwrap_or_default())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The archive member (for `.npz`), if any.
        member: Option<String>,
        /// Byte offset (in the file, or in the member) where the problem was found.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The `safetensors` crate refused a file or a set of tensors.
    #[error("{path}: {source}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// The crate's error.
        source: safetensors::SafeTensorError,
    },
    /// Two tensors with the same name.
    #[error("{path}: two tensors are named {name:?}")]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// The name.
        name: String,
    },
    /// A file too big for the format as written here.
    #[error("{path}: {what}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What exceeds which limit.
        what: String,
    },
    /// Building a tensor from decoded values failed.
    #[error("{path}: tensor {name:?}: {source}")]
    Tensor {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The tensor error.
        source: cairn_tensor::Error,
    },
    /// Reading or writing a TensorFlow checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] cairn_checkpoint::Error),
}

/// A hint after an [`Error::Unsupported`] message.
fn hint(dtype: DType, format: &str) -> &'static str {
    match (dtype, format) {
        (DType::String, _) => " (strings only fit in a TensorFlow checkpoint)",
        (DType::Complex128, "safetensors") => " (safetensors has complex64 only; use .npz)",
        (DType::BFloat16, _) => " (use .safetensors)",
        _ => "",
    }
}

impl Error {
    /// An [`Error::Io`] on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Corrupt`] in `path` at `offset`.
    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        member: Option<&str>,
        offset: u64,
        what: impl Into<String>,
    ) -> Error {
        Error::Corrupt {
            path: path.into(),
            member: member.map(str::to_string),
            offset,
            what: what.into(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
