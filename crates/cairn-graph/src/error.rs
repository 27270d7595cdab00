//! The error type of `cairn-graph`.

use cairn_tensor::DType;

/// What went wrong building, planning or running a graph.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A kernel failed.
    #[error("node '{node}' ({op}): {source}")]
    Kernel {
        /// The node.
        node: String,
        /// Its op.
        op: String,
        /// The kernel's error.
        #[source]
        source: cairn_tensor::Error,
    },
    /// No node of that name.
    #[error("no node named '{0}' in the graph")]
    NoSuchNode(String),
    /// A tensor name that is not `node` or `node:index` with a valid index.
    #[error("'{name}' does not name a tensor: {what}")]
    BadTensorName {
        /// The name given.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// A node whose op type no registered op implements.
    #[error("node '{node}' uses op '{op}', which cairn does not implement")]
    UnknownOp {
        /// The node.
        node: String,
        /// The op type.
        op: String,
    },
    /// A node name used twice.
    #[error("a node named '{0}' already exists")]
    DuplicateNode(String),
    /// A required attribute is absent or of the wrong kind.
    #[error("node '{node}' ({op}): attribute '{attr}' {what}")]
    Attr {
        /// The node.
        node: String,
        /// Its op.
        op: String,
        /// The attribute name.
        attr: String,
        /// What is wrong.
        what: String,
    },
    /// The wrong number or kind of inputs.
    #[error("node '{node}' ({op}): {what}")]
    Inputs {
        /// The node.
        node: String,
        /// Its op.
        op: String,
        /// What is wrong.
        what: String,
    },
    /// The graph has a cycle through this node.
    #[error("the graph has a cycle through node '{0}'")]
    Cycle(String),
    /// A variable read before any assignment.
    #[error("attempting to use uninitialized value {0}")]
    Uninitialized(String),
    /// A placeholder that the run needs but was not fed.
    #[error("you must feed a value for placeholder tensor '{0}'")]
    NotFed(String),
    /// A fed value of the wrong dtype.
    #[error("cannot feed a {got} value to '{name}', which is {expected}")]
    FeedDType {
        /// The tensor name.
        name: String,
        /// Its dtype.
        expected: DType,
        /// The fed dtype.
        got: DType,
    },
    /// An image op (`DecodeJpeg`, `DecodePng`) could not decode its input.
    #[error("node '{node}' ({op}): {source}")]
    Image {
        /// The node.
        node: String,
        /// Its op.
        op: String,
        /// The decoder's error.
        #[source]
        source: cairn_image::Error,
    },
    /// A tensor-kernel error not yet tied to a node (the session adds the node).
    #[error(transparent)]
    Tensor(#[from] cairn_tensor::Error),
    /// A dtype mismatch found while building a graph.
    #[error("node '{node}': {what}")]
    Type {
        /// The node.
        node: String,
        /// What is wrong.
        what: String,
    },
    /// A GraphDef or MetaGraphDef node that cannot be translated (empty name, an attribute
    /// of no known kind, a dtype cairn does not hold, ...).
    #[error("GraphDef node '{node}': {what}")]
    GraphDef {
        /// The node (or message part) concerned.
        node: String,
        /// What is wrong.
        what: String,
    },
    /// An input naming a node that is not in the GraphDef.
    #[error("node '{node}': input '{input}' names no node in the graph")]
    MissingInput {
        /// The consuming node.
        node: String,
        /// The input string as written.
        input: String,
    },
    /// An input asking for an output its producer does not have.
    #[error(
        "node '{node}': input '{input}' asks for output {index} of a node with {outputs} outputs"
    )]
    BadInputIndex {
        /// The consuming node.
        node: String,
        /// The input string as written.
        input: String,
        /// The output index asked for (`usize::MAX` when it does not fit).
        index: usize,
        /// How many outputs the producer has.
        outputs: usize,
    },
    /// A GraphDef whose `versions` rules out cairn (consumer version
    /// [`GRAPH_DEF_VERSION`](crate::graphdef::GRAPH_DEF_VERSION)).
    #[error("GraphDef versions (producer {producer}, min_consumer {min_consumer}) refuse consumer {consumer}: {what}")]
    GraphDefVersion {
        /// The graph's producer version.
        producer: i32,
        /// The graph's minimum consumer version.
        min_consumer: i32,
        /// cairn's consumer version.
        consumer: i32,
        /// Which rule refuses it.
        what: String,
    },
    /// A node of an op that TensorFlow withdrew at GraphDef `version`, in a graph produced
    /// at that version or later.
    #[error("node '{node}': op {op} is not available in GraphDef version {producer}; it was removed in version {version}. {explanation}")]
    DeprecatedOp {
        /// The node.
        node: String,
        /// Its op.
        op: String,
        /// The GraphDef version that removed the op.
        version: i32,
        /// The graph's producer version.
        producer: i32,
        /// TensorFlow's explanation (what to use instead).
        explanation: String,
    },
    /// A protobuf error (decoding, a tensor attribute) while importing.
    #[error("{context}: {source}")]
    Proto {
        /// What was being read (`GraphDef`, `node 'w' attribute 'value'`).
        context: String,
        /// The protobuf error.
        #[source]
        source: cairn_proto::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
