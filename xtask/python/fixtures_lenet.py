"""A LeNet trained and frozen by TensorFlow, for `cairn`'s LeNet tests.

Run with `cargo xtask fixtures --only lenet` (cwd = repository root). Builds, in
`tf.compat.v1` graph mode, the same LeNet as `crates/cairn/src/models/lenet.rs` ("Deep MNIST
for experts": x [?,784] -> reshape [-1,28,28,1] -> conv1 5x5 SAME + bias + ReLU -> max-pool
2x2/2 SAME -> conv2 5x5 SAME + bias + ReLU -> max-pool -> reshape -> fc1 + ReLU -> dropout
(keep_prob: PlaceholderWithDefault 1.0, fed 0.5 in training) -> fc2 -> logits `fc2/add`),
trains it with Adam (1e-3, batch 50, seeded), freezes it with
`convert_variables_to_constants` and records TensorFlow's predictions.

Writes `fixtures/lenet/lenet_small.pb`: the REDUCED-width model (conv 8/16, fc 64, 400
steps; ~230 KB) frozen to `fc2/add`, plus two Const nodes holding TensorFlow's results:
`expected/classes` (uint8 [10000], argmax of the logits on the MNIST test set) and
`expected/logits20` (float32 [20, 10], the logits of the first 20 test images).

With CAIRN_FIXTURES_FULL=1 it also writes `fixtures/lenet/lenet_full.pb` (32/64/512, 2000
steps, ~13 MB, not committed) in the same layout.

Dropout is written out as cairn writes it (x / keep_prob * (uniform >= 1 - keep_prob)) with
a seeded RandomUniform, so the frozen graph uses only ops cairn implements.
"""

import os
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(__file__))
import mnist_data  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()
OUT = os.path.join("fixtures", "lenet")


def build(widths):
    c1, c2, f1 = widths
    x = tf1.placeholder(tf.float32, [None, 784], name="x-input")
    y_ = tf1.placeholder(tf.float32, [None, 10], name="y-input")
    keep = tf1.placeholder_with_default(tf.constant(1.0), [], name="keep_prob")

    def var(scope, shape):
        with tf1.variable_scope(scope):
            w = tf1.get_variable("weights", shape,
                                 initializer=tf1.truncated_normal_initializer(stddev=0.1))
            b = tf1.get_variable("biases", [shape[-1]],
                                 initializer=tf1.constant_initializer(0.1))
        return w, b

    def conv(scope, h, shape):
        w, b = var(scope, shape)
        with tf1.name_scope(scope + "/"):
            c = tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME")
            r = tf.nn.relu(tf.nn.bias_add(c, b))
            return tf.nn.max_pool2d(r, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    img = tf.reshape(x, [-1, 28, 28, 1])
    h1 = conv("conv1", img, [5, 5, 1, c1])
    h2 = conv("conv2", h1, [5, 5, c1, c2])
    flat = tf.reshape(h2, [-1, 7 * 7 * c2])
    w3, b3 = var("fc1", [7 * 7 * c2, f1])
    with tf1.name_scope("fc1/"):
        fc1 = tf.nn.relu(tf.add(tf.matmul(flat, w3), b3, name="add"))
    with tf1.name_scope("dropout"):
        u = tf1.random_uniform(tf.shape(fc1), seed=3)
        mask = tf.cast(u >= 1.0 - keep, tf.float32)
        d = fc1 / keep * mask
    w4, b4 = var("fc2", [f1, 10])
    with tf1.name_scope("fc2/"):
        logits = tf.add(tf.matmul(d, w4), b4, name="add")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        logits=logits, labels=tf.argmax(y_, 1)))
    train = tf1.train.AdamOptimizer(1e-3).minimize(loss)
    return x, y_, keep, logits, train


def make(widths, steps, name):
    tf1.reset_default_graph()
    tf1.set_random_seed(1)
    data = mnist_data.read_data_sets(os.path.join("fixtures", "mnist"), seed=1)
    x, y_, keep, logits, train = build(widths)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(steps):
            xs, ys = data.train.next_batch(50)
            sess.run(train, {x: xs, y_: ys, keep: 0.5})
        test = data.test.images
        out = np.concatenate([sess.run(logits, {x: test[i:i + 1000]})
                              for i in range(0, len(test), 1000)])
        frozen = tf1.graph_util.convert_variables_to_constants(
            sess, sess.graph.as_graph_def(), ["fc2/add"])
    classes = out.argmax(1).astype(np.uint8)
    acc = float((classes == data.test.labels.argmax(1)).mean())
    g = tf.Graph()
    with g.as_default():
        tf1.import_graph_def(frozen, name="")
        tf.constant(classes, name="expected/classes")
        tf.constant(out[:20], name="expected/logits20")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(g.as_graph_def().SerializeToString())
    print("wrote %s (%d bytes), TensorFlow test accuracy %.4f" % (path, os.path.getsize(path), acc))


def main():
    make((8, 16, 64), 400, "lenet_small.pb")
    if os.environ.get("CAIRN_FIXTURES_FULL") == "1":
        make((32, 64, 512), 2000, "lenet_full.pb")


if __name__ == "__main__":
    main()
