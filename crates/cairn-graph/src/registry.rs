//! The op registry: one [`OpDef`] per TensorFlow op type, resolved once at plan time.

use crate::graph::Node;
use crate::ops;
use crate::Result;
use cairn_tensor::{DType, Tensor};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How an op's output 0 relates to its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alias {
    /// Outputs are fresh values.
    None,
    /// Output 0 is the variable of ref input 0 (`Assign`, `ApplyGradientDescent`).
    Ref,
    /// Output 0 is input 0 unchanged (`Identity`, `StopGradient`): no copy is made.
    Forward,
}

/// A variable handed to a kernel that updates it in place.
#[derive(Debug)]
pub struct RefVar {
    /// The variable's name.
    pub name: String,
    /// Its value, `None` before the first assignment.
    pub value: Option<Tensor>,
}

impl RefVar {
    /// The value, or TensorFlow's "uninitialized value" error.
    pub fn get_mut(&mut self) -> Result<&mut Tensor> {
        match &mut self.value {
            Some(t) => Ok(t),
            None => Err(crate::Error::Uninitialized(self.name.clone())),
        }
    }
}

/// What a kernel sees when it runs.
pub struct Ctx<'a> {
    /// The node being run.
    pub node: &'a Node,
    /// Its non-ref inputs, in order (ref inputs are in `refs`).
    pub inputs: &'a [&'a Tensor],
    /// Its output buffers, reused from the previous run of the same plan.
    pub outputs: &'a mut [Tensor],
    /// The variables behind its ref inputs, in order.
    pub refs: &'a mut [RefVar],
}

impl<'a> Ctx<'a> {
    /// Input `i`, or an error naming the node.
    pub fn input(&self, i: usize) -> Result<&'a Tensor> {
        self.inputs
            .get(i)
            .copied()
            .ok_or_else(|| self.node.inputs_err(format!("missing input {i}")))
    }
}

/// A computation for one node, built once per plan.
pub trait Kernel: Send {
    /// Computes the outputs from the inputs.
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()>;

    /// When output 0 is input 0's elements unchanged under other dimensions (a `Reshape`,
    /// a reduction over no axes), those dimensions. The session may then move input 0's
    /// buffer into output 0 instead of running [`Kernel::compute`], when nothing reads
    /// input 0 afterwards. `None` (the default) means: compute.
    fn forwards(&self, _node: &Node, _inputs: &[&Tensor]) -> Option<Vec<usize>> {
        None
    }
}

/// A kernel from a plain function.
pub struct FnKernel(pub fn(&mut Ctx<'_>) -> Result<()>);

impl Kernel for FnKernel {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        (self.0)(ctx)
    }
}

/// Output dtypes from the node and its input dtypes.
pub type TypeFn = fn(&Node, &[DType]) -> Result<Vec<DType>>;
/// Builds a node's kernel, reading its attributes once.
pub type KernelFn = fn(&Node) -> Result<Box<dyn Kernel>>;

/// One TensorFlow op type as cairn implements it.
pub struct OpDef {
    /// TensorFlow's op name (`MatMul`).
    pub name: &'static str,
    /// Output dtypes.
    pub output_types: TypeFn,
    /// The kernel builder; `None` for ops the session handles itself (`VariableV2`).
    pub kernel: Option<KernelFn>,
    /// Inputs that are variables updated in place.
    pub ref_inputs: &'static [usize],
    /// How output 0 aliases an input.
    pub alias: Alias,
}

fn registry() -> &'static HashMap<&'static str, OpDef> {
    static R: OnceLock<HashMap<&'static str, OpDef>> = OnceLock::new();
    R.get_or_init(|| {
        let mut m = HashMap::new();
        for def in ops::all() {
            m.insert(def.name, def);
        }
        m
    })
}

/// The definition of op type `name`.
pub fn lookup(name: &str) -> Option<&'static OpDef> {
    registry().get(name)
}

/// Every registered op type, sorted.
pub fn op_names() -> Vec<&'static str> {
    let mut v: Vec<_> = registry().keys().copied().collect();
    v.sort_unstable();
    v
}
