"""Batch-1 latency of a frozen GraphDef in a TensorFlow 2.21 `tf.compat.v1.Session`, the
TensorFlow side of `cairn bench GRAPH` (same inputs, same statistics).

  bench_tf_graph.py GRAPH.pb --feed NAME=FILE.npy|NAME=shape:1x224x224x3 --fetch T
                    [--runs N] [--warmup N] [--threads N]

Random feeds are uniform in [-1, 1) float32 (seeded). --threads N (default 2) sizes both the
Session's intra-op and inter-op thread pools, as in bench_tf_lenet.py. Prints one JSON line
{"median_ms", "min_ms", "max_ms", "runs"} (median of an even count: mean of the middle two).
"""

import argparse
import json
import statistics
import time

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1


def tensor_name(s):
    return s if ":" in s else s + ":0"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("graph")
    p.add_argument("--feed", action="append", default=[])
    p.add_argument("--fetch", action="append", required=True)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    gd = tf1.GraphDef()
    with open(a.graph, "rb") as f:
        gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf1.import_graph_def(gd, name="")
    rng = np.random.default_rng(0)
    feeds = {}
    for spec in a.feed:
        name, value = spec.split("=", 1)
        if value.startswith("shape:"):
            dims = [int(d) for d in value[len("shape:"):].split("x")]
            feeds[tensor_name(name)] = rng.uniform(-1, 1, dims).astype(np.float32)
        else:
            feeds[tensor_name(name)] = np.load(value)
    fetches = [tensor_name(f) for f in a.fetch]
    times = []
    cfg = tf1.ConfigProto(intra_op_parallelism_threads=a.threads,
                          inter_op_parallelism_threads=a.threads)
    with tf1.Session(graph=g, config=cfg) as s:
        for i in range(a.warmup + a.runs):
            t0 = time.perf_counter()
            s.run(fetches, feed_dict=feeds)
            if i >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times),
                      "max_ms": max(times), "runs": a.runs}))


if __name__ == "__main__":
    main()
