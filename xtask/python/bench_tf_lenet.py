"""TensorFlow's LeNet training step at batch 100, for comparison with `cairn train --model lenet`.

Same structure as `fixtures_lenet.py` (Deep MNIST: conv 5x5x32 / 5x5x64 SAME + ReLU + max-pool,
fc 512 + ReLU, dropout 0.5, fc 10, Adam 1e-3), tf.compat.v1 graph mode, 2 intra- and 2
inter-op threads. Prints one JSON line: {"tf_lenet_step_ms": median wall time of --steps timed steps
after --warmup untimed ones, "tf_lenet_step_cpu_ms": mean CPU time (both threads) per
step, "steps": N}.

Run: CAIRN_PYTHON=/root/cairn-venv/bin/python; $CAIRN_PYTHON xtask/python/bench_tf_lenet.py
(cwd = repository root, reads fixtures/mnist).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(__file__))
import fixtures_lenet  # noqa: E402
import mnist_data  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    a = p.parse_args()
    tf1.reset_default_graph()
    tf1.set_random_seed(1)
    data = mnist_data.read_data_sets(os.path.join("fixtures", "mnist"), seed=1)
    x, y_, keep, _, train = fixtures_lenet.build((32, 64, 512))
    cfg = tf1.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=2)
    times, cpu = [], 0.0
    with tf1.Session(config=cfg) as sess:
        sess.run(tf1.global_variables_initializer())
        for i in range(a.warmup + a.steps):
            xs, ys = data.train.next_batch(100)
            t, c = time.perf_counter(), time.process_time()
            sess.run(train, {x: xs, y_: ys, keep: 0.5})
            if i >= a.warmup:
                times.append(time.perf_counter() - t)
                cpu += time.process_time() - c
    print(json.dumps({"tf_lenet_step_ms": float(np.median(times)) * 1e3,
                      "tf_lenet_step_cpu_ms": cpu / a.steps * 1e3, "steps": a.steps}))


if __name__ == "__main__":
    main()
