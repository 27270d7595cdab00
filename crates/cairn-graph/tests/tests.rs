//! Session behaviour: pruning to the fetches, feeding any tensor, variables, errors.

mod conv_ops;
mod graphdef;
mod hostile;
mod image_ops;

use cairn_graph::{Error, Graph, PartialShape, Session};
use cairn_tensor::{DType, Tensor};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn runs_only_what_fetches_need() -> TestResult {
    let mut g = Graph::new();
    let a = g.scalar_f32("a", 2.0)?;
    let b = g.placeholder("b", DType::Float32, PartialShape::unknown())?;
    let _needs_b = g.binary("Mul", "needs_b", a, b)?;
    let c = g.binary("AddV2", "c", a, a)?;
    let _ = c;
    let mut s = Session::new(g);
    // `b` is not fed, but `c` does not need it.
    let out = s.run(&[], &["c:0"], &[])?;
    assert_eq!(out[0].scalar_value::<f32>()?, 4.0);
    // Asking for the node that needs it is TensorFlow's error.
    assert!(matches!(s.run(&[], &["needs_b"], &[]), Err(Error::NotFed(n)) if n == "b"));
    Ok(())
}

#[test]
fn any_tensor_can_be_fed_including_constants() -> TestResult {
    let mut g = Graph::new();
    let a = g.scalar_f32("a", 2.0)?;
    let b = g.scalar_f32("b", 3.0)?;
    g.binary("Mul", "m", a, b)?;
    let mut s = Session::new(g);
    let ten = Tensor::scalar(10.0f32);
    assert_eq!(
        s.run(&[("a", &ten)], &["m"], &[])?[0].scalar_value::<f32>()?,
        30.0
    );
    assert_eq!(s.run(&[], &["m"], &[])?[0].scalar_value::<f32>()?, 6.0);
    // A feed of the wrong dtype is refused.
    let bad = Tensor::scalar(1i32);
    assert!(matches!(
        s.run(&[("a", &bad)], &["m"], &[]),
        Err(Error::FeedDType { .. })
    ));
    Ok(())
}

#[test]
fn variables_assign_and_uninitialized_error() -> TestResult {
    let mut g = Graph::new();
    let v = g.variable("v", DType::Float32, &[2], true, |g| {
        g.constant("c", Tensor::from_vec([2usize], vec![1f32, 2.])?)
    })?;
    let one = g.constant("one", Tensor::from_vec([2usize], vec![1f32, 1.])?)?;
    g.op("AssignAdd", "inc")
        .input(v.var_ref())
        .input(one)
        .attr("T", DType::Float32)
        .finish()?;
    let init = g.global_variables_initializer()?;
    let init = g.node(init).name.clone();
    let mut s = Session::new(g);
    assert!(matches!(s.run(&[], &["v/read"], &[]), Err(Error::Uninitialized(n)) if n == "v"));
    s.run(&[], &[], &[init.as_str()])?;
    s.run(&[], &[], &["inc"])?;
    s.run(&[], &[], &["inc"])?;
    assert_eq!(
        s.run(&[], &["v/read:0"], &[])?[0].as_slice::<f32>()?,
        &[3., 4.]
    );
    Ok(())
}

#[test]
fn names_scopes_and_bad_names() -> TestResult {
    let mut g = Graph::new();
    let x = g.scalar_f32("x", 1.0)?;
    let first = g.scope("layer1", |g| g.unary("Neg", "Neg", x))?;
    let second = g.scope("layer1", |g| g.unary("Neg", "Neg", x))?;
    assert_eq!(g.output_name(first), "layer1/Neg:0");
    assert_eq!(g.output_name(second), "layer1_1/Neg:0");
    assert!(matches!(
        g.output_by_name("nope:0"),
        Err(Error::NoSuchNode(_))
    ));
    assert!(matches!(
        g.output_by_name("x:3"),
        Err(Error::BadTensorName { .. })
    ));
    Ok(())
}

#[test]
fn unknown_ops_and_cycles_are_errors() -> TestResult {
    let mut g = Graph::new();
    let x = g.scalar_f32("x", 1.0)?;
    assert!(matches!(
        g.op("NoSuchOp", "n").input(x).finish(),
        Err(Error::UnknownOp { .. })
    ));
    // A cycle can only come from importing; build one by editing inputs.
    let a = g.unary("Neg", "a", x)?;
    let b = g.unary("Neg", "b", a)?;
    g.node_mut(a.node).inputs[0] = b;
    let mut s = Session::new(g);
    assert!(matches!(s.run(&[], &["b"], &[]), Err(Error::Cycle(_))));
    Ok(())
}

#[test]
fn kernel_errors_name_the_node() -> TestResult {
    let mut g = Graph::new();
    let a = g.constant("a", Tensor::from_vec([2usize, 3], vec![0f32; 6])?)?;
    let b = g.constant("b", Tensor::from_vec([2usize, 3], vec![0f32; 6])?)?;
    g.matmul("mm", a, b, false, false)?;
    let mut s = Session::new(g);
    match s.run(&[], &["mm"], &[]) {
        Err(Error::Kernel { node, op, .. }) => {
            assert_eq!(node, "mm");
            assert_eq!(op, "MatMul");
        }
        other => panic!("expected a kernel error, got {other:?}"),
    }
    Ok(())
}

#[test]
fn control_dependencies_order_updates() -> TestResult {
    let mut g = Graph::new();
    let v = g.variable("v", DType::Float32, &[], true, |g| g.scalar_f32("c", 1.0))?;
    let two = g.scalar_f32("two", 2.0)?;
    let set = g
        .op("Assign", "set")
        .input(v.var_ref())
        .input(two)
        .attr("T", DType::Float32)
        .finish()?;
    // The read after `set` sees 2.
    let after = g.identity_after("after", v.read, &[set])?;
    let dbl = g.binary("Mul", "dbl", after, two)?;
    let init = g.global_variables_initializer()?;
    let init = g.node(init).name.clone();
    let dbl = g.output_name(dbl);
    let mut s = Session::new(g);
    s.run(&[], &[], &[init.as_str()])?;
    assert_eq!(
        s.run(&[], &[dbl.as_str()], &[])?[0].scalar_value::<f32>()?,
        4.0
    );
    Ok(())
}
