//! Finite-difference checks of every gradient rule.
//!
//! Each case builds `L = Σ (op(inputs) ⊙ R)` with a fixed random `R` (so that every output
//! element matters), asks [`cairn_autodiff::gradients`] for `dL/dinput`, and compares it
//! with the central difference `(L(x+h) - L(x-h)) / 2h` in float64.

mod conv;

use cairn_graph::{Graph, Output, PartialShape, Session};
use cairn_tensor::{DType, Tensor};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A small deterministic pseudo-random sequence in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

struct Case {
    inputs: Vec<(Vec<usize>, Vec<f64>)>,
    /// Indices of the inputs to differentiate.
    wrt: Vec<usize>,
}

#[allow(clippy::needless_range_loop)] // e indexes both the inputs and the gradient
/// Builds the op on placeholders `in0`, `in1`, ... and checks the gradients.
fn check(
    case: Case,
    build: impl Fn(&mut Graph, &[Output]) -> cairn_graph::Result<Output>,
) -> TestResult {
    let mut g = Graph::new();
    let phs = case
        .inputs
        .iter()
        .enumerate()
        .map(|(i, (dims, _))| {
            g.placeholder(&format!("in{i}"), DType::Float64, PartialShape::known(dims))
        })
        .collect::<cairn_graph::Result<Vec<_>>>()?;
    let y = build(&mut g, &phs)?;
    // L = Σ y ⊙ R, with R fed so its shape follows y's.
    let r = g.placeholder("r", DType::Float64, PartialShape::unknown())?;
    let prod = g.binary("Mul", "prod", y, r)?;
    let flat = g.constant("flat", Tensor::from_vec([1usize], vec![-1i32])?)?;
    let flat = g
        .op("Reshape", "flatten")
        .input(prod)
        .input(flat)
        .infer_t()?
        .attr("Tshape", DType::Int32)
        .finish_output()?;
    let loss = g.reduce("Sum", "loss", flat, &[0], false)?;
    let xs: Vec<Output> = case.wrt.iter().map(|&i| phs[i]).collect();
    let grads = cairn_autodiff::gradients(&mut g, &[loss], &xs, None)?;
    let grad_names: Vec<String> = grads
        .iter()
        .map(|d| d.map(|d| g.output_name(d)).ok_or("no gradient"))
        .collect::<Result<_, _>>()?;
    let y_name = g.output_name(y);
    let mut s = Session::new(g);

    let tensors = |vals: &[(Vec<usize>, Vec<f64>)]| -> Result<Vec<Tensor>, cairn_tensor::Error> {
        vals.iter()
            .map(|(d, v)| Tensor::from_vec(d.clone(), v.clone()))
            .collect()
    };
    let base = tensors(&case.inputs)?;
    let y_val = {
        let feeds: Vec<(String, &Tensor)> = base
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("in{i}"), t))
            .collect();
        let f: Vec<(&str, &Tensor)> = feeds.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        s.run(&f, &[y_name.as_str()], &[])?.remove(0)
    };
    let r_val = Tensor::from_vec(y_val.dims().to_vec(), values(y_val.len(), 99))?;
    let mut eval = |inputs: &[Tensor], fetch: &[&str]| -> Result<Vec<Tensor>, cairn_graph::Error> {
        let names: Vec<String> = (0..inputs.len()).map(|i| format!("in{i}")).collect();
        let mut f: Vec<(&str, &Tensor)> = names
            .iter()
            .map(|n| n.as_str())
            .zip(inputs.iter())
            .collect();
        f.push(("r", &r_val));
        s.run(&f, fetch, &[])
    };
    let fetch: Vec<&str> = grad_names.iter().map(|s| s.as_str()).collect();
    let analytic = eval(&base, &fetch)?;
    let h = 1e-6;
    for (k, &i) in case.wrt.iter().enumerate() {
        let got = analytic[k].as_slice::<f64>()?;
        assert_eq!(
            analytic[k].dims(),
            base[i].dims(),
            "gradient {k} has the input's shape"
        );
        for e in 0..case.inputs[i].1.len() {
            let mut plus = case.inputs.clone();
            plus[i].1[e] += h;
            let mut minus = case.inputs.clone();
            minus[i].1[e] -= h;
            let lp = eval(&tensors(&plus)?, &["loss:0"])?[0].scalar_value::<f64>()?;
            let lm = eval(&tensors(&minus)?, &["loss:0"])?[0].scalar_value::<f64>()?;
            let numeric = (lp - lm) / (2.0 * h);
            let tol = 1e-5 * (1.0 + numeric.abs());
            assert!(
                (got[e] - numeric).abs() <= tol,
                "input {i} element {e}: analytic {} vs numeric {numeric}",
                got[e]
            );
        }
    }
    Ok(())
}

fn input(dims: &[usize], seed: u64) -> (Vec<usize>, Vec<f64>) {
    let n = dims.iter().product();
    (dims.to_vec(), values(n, seed))
}

fn binary_case(op: &'static str, a: &[usize], b: &[usize]) -> TestResult {
    let mut ins = vec![input(a, 1), input(b, 2)];
    if op == "RealDiv" {
        // keep the divisor away from zero
        for v in &mut ins[1].1 {
            *v += 1.5;
        }
    }
    check(
        Case {
            inputs: ins,
            wrt: vec![0, 1],
        },
        |g, x| g.binary(op, "op", x[0], x[1]),
    )
}

// d(a+b)/da = 1, d(a+b)/db = 1 summed over broadcast rows
#[test]
fn add_broadcast() -> TestResult {
    binary_case("AddV2", &[3, 4], &[4])?;
    binary_case("AddV2", &[3, 4], &[3, 4])
}

// d(a-b) = (1, -1)
#[test]
fn sub_broadcast() -> TestResult {
    binary_case("Sub", &[2, 3], &[1, 3])
}

// d(ab) = (b, a)
#[test]
fn mul_broadcast() -> TestResult {
    binary_case("Mul", &[2, 3], &[3])?;
    binary_case("Mul", &[], &[2, 2])
}

// d(a/b) = (1/b, -a/b²)
#[test]
fn real_div() -> TestResult {
    binary_case("RealDiv", &[2, 3], &[2, 3])
}

// C = op(A)·op(B) for every transpose combination
#[test]
fn matmul_all_transposes() -> TestResult {
    for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
        let a = if ta { [4, 3] } else { [3, 4] };
        let b = if tb { [2, 4] } else { [4, 2] };
        check(
            Case {
                inputs: vec![input(&a, 3), input(&b, 4)],
                wrt: vec![0, 1],
            },
            |g, x| g.matmul("mm", x[0], x[1], ta, tb),
        )?;
    }
    Ok(())
}

// relu'(x) = [x > 0] (inputs kept away from the kink)
#[test]
fn relu() -> TestResult {
    let mut i = input(&[3, 5], 5);
    for v in &mut i.1 {
        if v.abs() < 0.05 {
            *v += 0.1;
        }
    }
    check(
        Case {
            inputs: vec![i],
            wrt: vec![0],
        },
        |g, x| g.unary("Relu", "relu", x[0]),
    )
}

// d(Σx²/2) = x
#[test]
fn l2_loss() -> TestResult {
    check(
        Case {
            inputs: vec![input(&[4, 3], 6)],
            wrt: vec![0],
        },
        |g, x| g.unary("L2Loss", "l2", x[0]),
    )
}

// d neg = -1, d square = 2x, d exp = exp, d log = 1/x
#[test]
fn unary_math() -> TestResult {
    for op in ["Neg", "Square", "Exp"] {
        check(
            Case {
                inputs: vec![input(&[2, 3], 7)],
                wrt: vec![0],
            },
            |g, x| g.unary(op, "u", x[0]),
        )?;
    }
    let mut pos = input(&[2, 3], 8);
    for v in &mut pos.1 {
        *v = 1.0 + v.abs();
    }
    check(
        Case {
            inputs: vec![pos.clone()],
            wrt: vec![0],
        },
        |g, x| g.unary("Log", "u", x[0]),
    )?;
    check(
        Case {
            inputs: vec![pos],
            wrt: vec![0],
        },
        |g, x| g.unary("Sqrt", "u", x[0]),
    )
}

// d mean(x, axes) = 1/count, d sum = 1, spread over the reduced axes
#[test]
fn reductions() -> TestResult {
    for (op, axes, keep) in [
        ("Mean", vec![0], false),
        ("Sum", vec![1], false),
        ("Mean", vec![0, 1], true),
        ("Sum", vec![-1], true),
    ] {
        check(
            Case {
                inputs: vec![input(&[3, 4], 9)],
                wrt: vec![0],
            },
            |g, x| g.reduce(op, "red", x[0], &axes, keep),
        )?;
    }
    Ok(())
}

// d xent / d logits = softmax - onehot (labels are not differentiable)
#[test]
fn sparse_softmax_cross_entropy() -> TestResult {
    check(
        Case {
            inputs: vec![input(&[4, 5], 10)],
            wrt: vec![0],
        },
        |g, x| {
            let labels = g.constant("labels", Tensor::from_vec([4usize], vec![0i64, 3, 4, 1])?)?;
            g.op("SparseSoftmaxCrossEntropyWithLogits", "xent")
                .input(x[0])
                .input(labels)
                .attr("T", DType::Float64)
                .attr("Tlabels", DType::Int64)
                .finish_output()
        },
    )
}

// d softmax: (dy - Σ dy·y)·y
#[test]
fn softmax() -> TestResult {
    check(
        Case {
            inputs: vec![input(&[3, 4], 11)],
            wrt: vec![0],
        },
        |g, x| g.unary("Softmax", "sm", x[0]),
    )
}

// d(x + b) = (dy, Σ rows of dy)
#[test]
fn bias_add() -> TestResult {
    check(
        Case {
            inputs: vec![input(&[3, 4], 12), input(&[4], 13)],
            wrt: vec![0, 1],
        },
        |g, x| {
            g.op("BiasAdd", "ba")
                .input(x[0])
                .input(x[1])
                .infer_t()?
                .finish_output()
        },
    )
}

// d AddN = 1 per input; Identity passes through; Reshape reshapes back
#[test]
fn add_n_identity_reshape() -> TestResult {
    check(
        Case {
            inputs: vec![input(&[2, 3], 14), input(&[2, 3], 15)],
            wrt: vec![0, 1],
        },
        |g, x| {
            let i = g.unary("Identity", "id", x[0])?;
            let s = g
                .op("AddN", "sum")
                .inputs(&[i, x[1], x[0]])
                .attr("N", 3i64)
                .attr("T", DType::Float64)
                .finish_output()?;
            let shape = g.const_i32s("shape", &[3, 2])?;
            g.op("Reshape", "rs")
                .input(s)
                .input(shape)
                .infer_t()?
                .attr("Tshape", DType::Int32)
                .finish_output()
        },
    )
}

// A variable's gradient through the classic two-layer composition
#[test]
fn composed_mlp() -> TestResult {
    check(
        Case {
            inputs: vec![
                input(&[4, 6], 16),
                input(&[6, 5], 17),
                input(&[5], 18),
                input(&[5, 3], 19),
            ],
            wrt: vec![1, 2, 3],
        },
        |g, x| {
            let m = g.matmul("l1", x[0], x[1], false, false)?;
            let a = g.binary("AddV2", "a1", m, x[2])?;
            let r = g.unary("Relu", "r1", a)?;
            let l = g.matmul("l2", r, x[3], false, false)?;
            let labels = g.constant("labels", Tensor::from_vec([4usize], vec![0i64, 2, 1, 2])?)?;
            let xe = g
                .op("SparseSoftmaxCrossEntropyWithLogits", "xent")
                .input(l)
                .input(labels)
                .attr("T", DType::Float64)
                .attr("Tlabels", DType::Int64)
                .finish_output()?;
            let mean = g.reduce("Mean", "mean", xe, &[0], false)?;
            let l2 = g.unary("L2Loss", "l2", x[1])?;
            g.binary("AddV2", "total", mean, l2)
        },
    )
}

// An unknown op on the path has no gradient: a typed error, not a panic.
#[test]
fn missing_rule_is_an_error() -> TestResult {
    let mut g = Graph::new();
    let x = g.placeholder("x", DType::Float32, PartialShape::known(&[2]))?;
    let y = g.unary("Floor", "f", x)?;
    let r = cairn_autodiff::gradients(&mut g, &[y], &[x], None);
    assert!(matches!(r, Err(cairn_graph::Error::Type { .. })), "{r:?}");
    Ok(())
}
