//! The closing "How to reproduce" section of `docs/BENCHMARKS.md`.

/// The section's text (Markdown).
pub const REPRODUCE: &str = "
## How to reproduce

```sh
# Python with tensorflow-cpu 2.21 and numpy (torch optional); without CAIRN_PYTHON, xtask
# uses or creates .venv/ at the repository root.
export CAIRN_PYTHON=/path/to/venv/bin/python
cargo xtask bench --tract    # --tract: build tract's side first (~18 min the first time)
cargo xtask bench            # later runs; --quick for a smoke run, --steps N to time N MLP
                             # steps each, --skip-checkpoint/--skip-images/--skip-lenet
```

It runs `cargo build --release -p cairn`, then `target/release/cairn bench-mlp --steps N
--warmup W --json`, `target/release/cairn train --model mlp --steps 5000 --json`, and
`xtask/python/bench_tf_classic.py` (`--mode steps`, `--mode full`), `bench_tf_function.py` and
`bench_torch.py`, all from the repository root, reading MNIST from `fixtures/mnist/`.

Image models (each command once per round, frameworks interleaved; `RAYON_NUM_THREADS=2`
for cairn and tract):

```sh
F=fixtures/images/full/mobilenet_v2_full     # or inception_v3_full
target/release/cairn bench $F.pb --feed input:0=${F}_in0.npy --fetch Identity:0 \\
    --runs 30 --warmup 5 --json
$CAIRN_PYTHON xtask/python/bench_tf_graph.py $F.pb --feed input:0=${F}_in0.npy \\
    --fetch Identity:0 --runs 30 --warmup 5 --threads 2
xtask/tract-bench/target/release/tract-bench $F.pb --feed input:0=${F}_in0.npy \\
    --fetch Identity:0 --runs 30 --warmup 5 --threads 2 --expect ${F}_out0.npy
```

The models are git-ignored; when they are missing the bench makes them with
`CAIRN_FIXTURES_FULL=1 $CAIRN_PYTHON xtask/python/fixtures_images.py` (Keras, random weights,
a few minutes). tract's side is `xtask/tract-bench`, a crate outside the workspace with its
own `target/` (`cargo build --release --manifest-path xtask/tract-bench/Cargo.toml`).

LeNet: `target/release/cairn train --model lenet --steps S --log-every 0 --json` for S = 20
and S = 120 (the step time is the difference of the two `seconds` over 100 steps, the fastest
of 3 rounds each), and `$CAIRN_PYTHON xtask/python/bench_tf_lenet.py --steps 100 --warmup 20`
(the fastest median of 3 rounds). `--quick` uses 5 image runs (2 warm-up, 1 round), and 5 vs
25 cairn steps and 20 (+5) TensorFlow steps, 1 round.

The machine is shared: expect a few percent of noise, more while other programs run (see the
load average at the top).
";
