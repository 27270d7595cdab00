//! The retrained graph: the model's GraphDef (kept as it is, versions included) plus the
//! new layer as constants, pruned to what `final_result` needs, as `retrain.py`'s
//! `convert_variables_to_constants(..., [final_tensor_name])` leaves it.

use crate::head::{Head, BIASES, BOTTLENECK_INPUT, LOGITS, MATMUL, WEIGHTS};
use crate::{Error, Result};
use cairn_graph::graphdef::attr_to_proto;
use cairn_graph::{AttrValue, PartialShape};
use cairn_proto::{GraphDef, NodeDef};
use cairn_tensor::DType;
use std::collections::{HashMap, HashSet};

fn node(name: &str, op: &str, inputs: &[&str], attrs: Vec<(&str, AttrValue)>) -> NodeDef {
    NodeDef {
        name: name.to_string(),
        op: op.to_string(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        attr: attrs
            .into_iter()
            .map(|(k, v)| (k.to_string(), attr_to_proto(&v)))
            .collect(),
        ..NodeDef::default()
    }
}

/// `pool_3/_reshape:0` → `pool_3/_reshape` (GraphDef input syntax); other indices kept.
fn input_ref(tensor: &str) -> String {
    match tensor.strip_suffix(":0") {
        Some(n) => n.to_string(),
        None => tensor.to_string(),
    }
}

/// The node a GraphDef input string names (`^ctrl`, `name:1` → `ctrl`, `name`).
fn input_node(input: &str) -> &str {
    let s = input.strip_prefix('^').unwrap_or(input);
    match s.rsplit_once(':') {
        Some((n, i)) if i.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => s,
    }
}

/// `model` with the new layer on top of `bottleneck` (`dim` values per image) ending in
/// the softmax `final_name`, pruned to the nodes `final_name` depends on.
pub fn retrained_graph(
    model: &GraphDef,
    bottleneck: &str,
    dim: usize,
    head: &Head,
    final_name: &str,
) -> Result<GraphDef> {
    let f32_attr = || ("T", AttrValue::Type(DType::Float32));
    let new_nodes = vec![
        node(
            BOTTLENECK_INPUT,
            "PlaceholderWithDefault",
            &[&input_ref(bottleneck)],
            vec![
                ("dtype", AttrValue::Type(DType::Float32)),
                (
                    "shape",
                    AttrValue::Shape(PartialShape::from_i64(&[-1, dim as i64])),
                ),
            ],
        ),
        node(
            WEIGHTS,
            "Const",
            &[],
            vec![
                ("dtype", AttrValue::Type(DType::Float32)),
                ("value", AttrValue::Tensor(head.weights.clone())),
            ],
        ),
        node(
            BIASES,
            "Const",
            &[],
            vec![
                ("dtype", AttrValue::Type(DType::Float32)),
                ("value", AttrValue::Tensor(head.biases.clone())),
            ],
        ),
        node(
            MATMUL,
            "MatMul",
            &[BOTTLENECK_INPUT, WEIGHTS],
            vec![
                f32_attr(),
                ("transpose_a", AttrValue::Bool(false)),
                ("transpose_b", AttrValue::Bool(false)),
            ],
        ),
        node(LOGITS, "AddV2", &[MATMUL, BIASES], vec![f32_attr()]),
        node(final_name, "Softmax", &[LOGITS], vec![f32_attr()]),
    ];
    let existing: HashSet<&str> = model.node.iter().map(|n| n.name.as_str()).collect();
    if let Some(clash) = new_nodes
        .iter()
        .find(|n| existing.contains(n.name.as_str()))
    {
        return Err(Error::Model {
            what: format!(
                "the model already has a node named {} (pick another --final-tensor-name, or retrain the original model)",
                clash.name
            ),
        });
    }
    let all: Vec<NodeDef> = model.node.iter().cloned().chain(new_nodes).collect();
    let by_name: HashMap<&str, &NodeDef> = all.iter().map(|n| (n.name.as_str(), n)).collect();
    let mut keep: HashSet<&str> = HashSet::new();
    let mut stack = vec![final_name];
    while let Some(name) = stack.pop() {
        if !keep.insert(name) {
            continue;
        }
        let n = by_name.get(name).ok_or_else(|| Error::Model {
            what: format!("the graph names an input '{name}' it does not have"),
        })?;
        stack.extend(n.input.iter().map(|i| input_node(i)));
    }
    let node = all
        .iter()
        .filter(|n| keep.contains(n.name.as_str()))
        .cloned()
        .collect();
    Ok(GraphDef {
        node,
        ..model.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names() {
        assert_eq!(input_ref("pool_3/_reshape:0"), "pool_3/_reshape");
        assert_eq!(input_ref("split:1"), "split:1");
        assert_eq!(input_node("^init"), "init");
        assert_eq!(input_node("split:1"), "split");
        assert_eq!(input_node("a/b"), "a/b");
    }
}
