//! Hostile graphs: deeply nested or huge protobufs, lying constants, very long chains
//! and cycles. Each is a typed error (or a correct result) in bounded time and memory.

use cairn_graph::graphdef::{from_graph_def, from_graph_def_bytes, from_meta_graph_def_bytes};
use cairn_graph::{Error, Session};
use cairn_proto::tensorflow::{
    attr_value::Value, tensor_shape_proto::Dim, AttrValue, GraphDef, NameAttrList, NodeDef,
    TensorProto, TensorShapeProto,
};
use prost::Message;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn node(name: &str, op: &str, inputs: &[String]) -> NodeDef {
    NodeDef {
        name: name.into(),
        op: op.into(),
        input: inputs.to_vec(),
        ..NodeDef::default()
    }
}

fn attr(v: Value) -> AttrValue {
    AttrValue { value: Some(v) }
}

/// A float Const whose tensor claims `dims` and carries `content`.
fn lying_const(dims: &[i64], content: Vec<u8>) -> GraphDef {
    let mut n = node("c", "Const", &[]);
    n.attr.insert("dtype".into(), attr(Value::Type(1)));
    let t = TensorProto {
        dtype: 1,
        tensor_shape: Some(TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| Dim {
                    size,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }),
        tensor_content: content,
        ..TensorProto::default()
    };
    n.attr.insert("value".into(), attr(Value::Tensor(t)));
    GraphDef {
        node: vec![n],
        ..GraphDef::default()
    }
}

#[test]
fn constants_lying_about_their_size() -> TestResult {
    let cases: [(&str, Vec<i64>); 5] = [
        ("2^60 elements", vec![1 << 60]),
        ("overflowing count", vec![1 << 40, 1 << 40, 1 << 40]),
        ("negative dimension", vec![-7, 3]),
        ("255 dimensions", vec![1; 255]),
        ("content too short", vec![1000]),
    ];
    for (what, dims) in cases {
        let gd = lying_const(&dims, vec![0; 16]);
        // The lie is caught at import or when the constant is first evaluated.
        let result = from_graph_def(&gd).and_then(|g| {
            let mut s = Session::new(g);
            s.run(&[], &["c:0"], &[]).map(|_| ())
        });
        assert!(result.is_err(), "{what}: accepted");
    }
    Ok(())
}

#[test]
fn deeply_nested_attributes_are_refused() -> TestResult {
    // func { attr { "f": func { attr { "f": ... } } } }, 1000 levels (prost stops at
    // 100), built inside out.
    let mut v = attr(Value::I(1));
    for _ in 0..1000 {
        let mut f = NameAttrList {
            name: "f".into(),
            ..NameAttrList::default()
        };
        f.attr.insert("f".into(), v);
        v = attr(Value::Func(f));
    }
    let mut n = node("n", "NoOp", &[]);
    n.attr.insert("deep".into(), v);
    let bytes = GraphDef {
        node: vec![n],
        ..GraphDef::default()
    }
    .encode_to_vec();
    assert!(matches!(
        from_graph_def_bytes(&bytes),
        Err(Error::Proto { .. })
    ));
    assert!(from_meta_graph_def_bytes(&bytes).is_err());
    Ok(())
}

#[test]
fn huge_length_claims_are_refused() -> TestResult {
    // GraphDef.node (field 1, length-delimited) claiming 2^62 bytes.
    let mut bytes = vec![0x0a];
    let mut len = 1u64 << 62;
    while len >= 0x80 {
        bytes.push((len as u8) | 0x80);
        len >>= 7;
    }
    bytes.push(len as u8);
    bytes.extend_from_slice(&[0; 16]);
    assert!(matches!(
        from_graph_def_bytes(&bytes),
        Err(Error::Proto { .. })
    ));
    assert!(from_meta_graph_def_bytes(&bytes).is_err());
    Ok(())
}

/// `n` Identity nodes, each reading the previous one; the first reads `first_input`.
fn chain(n: usize, first_input: &str) -> GraphDef {
    let mut nodes = Vec::with_capacity(n + 1);
    let mut c = node("x", "Const", &[]);
    c.attr.insert("dtype".into(), attr(Value::Type(1)));
    c.attr.insert(
        "value".into(),
        attr(Value::Tensor(cairn_proto::tensor_to_proto(
            &cairn_tensor::Tensor::scalar(2.5f32),
            cairn_proto::Encoding::Typed,
        ))),
    );
    nodes.push(c);
    for i in 0..n {
        let input = if i == 0 {
            first_input.to_string()
        } else {
            format!("n{}", i - 1)
        };
        let mut id = node(&format!("n{i}"), "Identity", &[input]);
        id.attr.insert("T".into(), attr(Value::Type(1)));
        nodes.push(id);
    }
    GraphDef {
        node: nodes,
        ..GraphDef::default()
    }
}

#[test]
fn a_chain_of_100k_nodes_runs_without_deep_recursion() -> TestResult {
    let n = 100_000;
    let g = from_graph_def(&chain(n, "x"))?;
    let mut s = Session::new(g);
    let out = s.run(&[], &[&format!("n{}:0", n - 1)], &[])?;
    assert_eq!(out[0].scalar_value::<f32>()?, 2.5);
    Ok(())
}

#[test]
fn a_cycle_of_100k_nodes_is_a_cycle_error() -> TestResult {
    let n = 100_000;
    let last = format!("n{}", n - 1);
    let g = from_graph_def(&chain(n, &last))?;
    let mut s = Session::new(g);
    match s.run(&[], &[&format!("{last}:0")], &[]) {
        Err(Error::Cycle(_)) => Ok(()),
        other => Err(format!("expected a cycle error, got {other:?}").into()),
    }
}
