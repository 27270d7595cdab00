//! The `save/...` nodes of a V2 `tf.train.Saver`, so TensorFlow can restore a checkpoint
//! into a graph cairn exported (`import_meta_graph` + `saver.restore`).

use crate::attr::{AttrValue, PartialShape};
use crate::build::keys;
use crate::graph::{Graph, Node, NodeId, Output};
use crate::Result;
use cairn_proto::{saver_def::CheckpointFormatVersion, SaverDef};
use cairn_tensor::{DType, Tensor};
use std::collections::BTreeMap;

/// How the exported `SaverDef` is set up.
#[derive(Clone, Debug, PartialEq)]
pub struct SaverOptions {
    /// `max_to_keep` recorded in the `SaverDef`.
    pub max_to_keep: i32,
    /// `keep_checkpoint_every_n_hours` recorded in the `SaverDef`.
    pub keep_checkpoint_every_n_hours: f32,
}

impl Default for SaverOptions {
    /// TensorFlow's defaults: 5 checkpoints, one kept every 10000 hours.
    fn default() -> Self {
        SaverOptions {
            max_to_keep: 5,
            keep_checkpoint_every_n_hours: 10000.0,
        }
    }
}

/// The `SaverDef` naming the nodes [`add_saver_nodes`] builds.
pub fn saver_def(o: &SaverOptions) -> SaverDef {
    SaverDef {
        filename_tensor_name: "save/Const:0".into(),
        save_tensor_name: "save/control_dependency:0".into(),
        restore_op_name: "save/restore_all".into(),
        max_to_keep: o.max_to_keep,
        sharded: false,
        keep_checkpoint_every_n_hours: o.keep_checkpoint_every_n_hours,
        version: CheckpointFormatVersion::V2 as i32,
    }
}

fn push(
    g: &mut Graph,
    name: &str,
    op: &str,
    inputs: Vec<Output>,
    control: Vec<NodeId>,
    attrs: Vec<(&str, AttrValue)>,
    types: Option<Vec<DType>>,
) -> Result<Output> {
    let node = Node {
        name: name.to_string(),
        op: op.to_string(),
        inputs,
        control_inputs: control,
        attrs: attrs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
        device: String::new(),
        output_types: types,
    };
    Ok(Output {
        node: g.add_node(node)?,
        index: 0,
    })
}

fn strings(v: Vec<Vec<u8>>) -> Result<Tensor> {
    Ok(Tensor::from_vec([v.len()], v)?)
}

fn string_const(g: &mut Graph, name: &str, t: Tensor) -> Result<Output> {
    let attrs = vec![
        ("dtype", AttrValue::Type(DType::String)),
        ("value", AttrValue::Tensor(t)),
    ];
    push(g, name, "Const", vec![], vec![], attrs, None)
}

/// The variables a default `tf.train.Saver()` saves: the global-variables collection, or
/// every `VariableV2` when it is empty; sorted by name.
fn saved_variables(g: &Graph) -> Vec<NodeId> {
    let mut vars: Vec<NodeId> = g.collection(keys::GLOBAL_VARIABLES).to_vec();
    if vars.is_empty() {
        vars = (0..g.len())
            .map(NodeId)
            .filter(|&i| matches!(g.node(i).op.as_str(), "VariableV2" | "Variable"))
            .collect();
    }
    vars.sort_by(|a, b| g.node(*a).name.cmp(&g.node(*b).name));
    vars
}

/// Adds TensorFlow's V2 saver nodes (`save/Const`, `save/SaveV2`,
/// `save/control_dependency`, `save/RestoreV2`, `save/Assign*`, `save/restore_all`) for
/// the graph's variables. Does nothing when `save/restore_all` exists already; a name
/// clash with other `save/...` nodes is [`crate::Error::DuplicateNode`].
pub fn add_saver_nodes(g: &mut Graph) -> Result<()> {
    if g.find("save/restore_all").is_some() {
        return Ok(());
    }
    let vars = saved_variables(g);
    let names: Vec<Vec<u8>> = vars
        .iter()
        .map(|v| g.node(*v).name.as_bytes().to_vec())
        .collect();
    let dtypes = vars
        .iter()
        .map(|v| g.node(*v).attr_type("dtype"))
        .collect::<Result<Vec<_>>>()?;
    let scalar_string = || {
        vec![
            ("dtype", AttrValue::Type(DType::String)),
            ("shape", AttrValue::Shape(PartialShape::known(&[]))),
        ]
    };
    let model = string_const(g, "save/filename/input", Tensor::scalar(b"model".to_vec()))?;
    let filename = push(
        g,
        "save/filename",
        "PlaceholderWithDefault",
        vec![model],
        vec![],
        scalar_string(),
        None,
    )?;
    let file = push(
        g,
        "save/Const",
        "PlaceholderWithDefault",
        vec![filename],
        vec![],
        scalar_string(),
        None,
    )?;
    let slices = vec![Vec::new(); vars.len()];

    let t_names = string_const(g, "save/SaveV2/tensor_names", strings(names.clone())?)?;
    let t_slices = string_const(g, "save/SaveV2/shape_and_slices", strings(slices.clone())?)?;
    let mut inputs = vec![file, t_names, t_slices];
    inputs.extend(vars.iter().map(|&v| Output { node: v, index: 0 }));
    let dtypes_attr = ("dtypes", AttrValue::ListType(dtypes.clone()));
    let save = push(
        g,
        "save/SaveV2",
        "SaveV2",
        inputs,
        vec![],
        vec![dtypes_attr.clone()],
        Some(vec![]),
    )?;
    let class = |n: &str| {
        (
            "_class",
            AttrValue::ListString(vec![format!("loc:@{n}").into_bytes()]),
        )
    };
    let attrs = vec![("T", AttrValue::Type(DType::String)), class("save/Const")];
    push(
        g,
        "save/control_dependency",
        "Identity",
        vec![file],
        vec![save.node],
        attrs,
        None,
    )?;

    let r_names = string_const(g, "save/RestoreV2/tensor_names", strings(names)?)?;
    let r_slices = string_const(g, "save/RestoreV2/shape_and_slices", strings(slices)?)?;
    let restore = push(
        g,
        "save/RestoreV2",
        "RestoreV2",
        vec![file, r_names, r_slices],
        vec![],
        vec![dtypes_attr],
        Some(dtypes.clone()),
    )?;
    let mut assigns = Vec::new();
    for (i, (&v, &dt)) in vars.iter().zip(&dtypes).enumerate() {
        let name = if i == 0 {
            "save/Assign".to_string()
        } else {
            format!("save/Assign_{i}")
        };
        let var_name = g.node(v).name.clone();
        let attrs = vec![
            ("T", AttrValue::Type(dt)),
            class(&var_name),
            ("use_locking", AttrValue::Bool(true)),
            ("validate_shape", AttrValue::Bool(true)),
        ];
        let value = Output {
            node: restore.node,
            index: i,
        };
        assigns.push(
            push(
                g,
                &name,
                "Assign",
                vec![Output { node: v, index: 0 }, value],
                vec![],
                attrs,
                None,
            )?
            .node,
        );
    }
    push(g, "save/restore_all", "NoOp", vec![], assigns, vec![], None)?;
    Ok(())
}
