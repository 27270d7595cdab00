"""TensorFlow's outputs for cairn's convolution, pooling, batch-norm and padding ops on odd
shapes, for cairn-graph's tests.

Run with `cargo xtask fixtures --only convops` (cwd = repository root). Writes
`fixtures/ops/conv_ops.pb`, one GraphDef holding, per case `cN`:

  cN/...            Const inputs (17x13 images, seeded) and the op under test, ending in the
                    Identity `cN/out` (and `cN/dx`, `cN/dw` for gradient cases, made by
                    tf.gradients with a Const `grad_ys`, so the graph holds TensorFlow's own
                    Conv2DBackpropInput/Filter, MaxPoolGrad and AvgPoolGrad nodes)
  expected/cN/out   Const: TensorFlow's value of `cN/out` (same for dx, dw)
  fetches           Const string vector: every fetched tensor name, in order

Cases: Conv2D (SAME stride 2 with uneven padding, VALID, dilation 2, EXPLICIT, 1x1 stride 1
and 2), DepthwiseConv2dNative (multiplier 2, strides, dilation 2), MaxPool/AvgPool (SAME at
the border, VALID, 3x3 stride 2), FusedBatchNorm/V3 (inference; BatchNormWithGlobalNormalization
cannot be built at GraphDef version 2474, see fixtures/images/inception2015_small.pb), Pad, PadV2, MirrorPad (REFLECT, SYMMETRIC), and the gradients.
"""

import os

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
raw = tf.raw_ops
OUT = os.path.join("fixtures", "ops")


def main():
    rng = np.random.RandomState(5)
    g = tf.Graph()
    fetches = []
    with g.as_default():

        def const(name, shape, ties=False):
            v = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
            if ties:
                v = np.round(v * 2.0) / 2.0  # few distinct values: max-pool ties
            return tf.constant(v, name=name)

        case = [0]

        def scope():
            case[0] += 1
            return "c%d" % case[0]

        def out(t, name="out"):
            fetches.append(tf.identity(t, name=name).name)

        x = const("x", [2, 17, 13, 3])
        for strides, padding, dil, k in [
            ([1, 2, 2, 1], "SAME", [1, 1, 1, 1], [5, 4]),
            ([1, 1, 1, 1], "VALID", [1, 1, 1, 1], [5, 4]),
            ([1, 1, 1, 1], "SAME", [1, 2, 2, 1], [3, 3]),
            ([1, 2, 1, 1], [[0, 0], [1, 2], [3, 0], [0, 0]], [1, 1, 1, 1], [4, 3]),
            ([1, 1, 1, 1], "VALID", [1, 1, 1, 1], [1, 1]),
            ([1, 2, 2, 1], "SAME", [1, 1, 1, 1], [1, 1]),
            ([1, 3, 2, 1], "SAME", [1, 1, 1, 1], [4, 4]),
        ]:
            with tf.name_scope(scope()):
                w = const("w", k + [3, 4])
                if isinstance(padding, list):
                    y = tf.nn.conv2d(x, w, strides=strides, padding=padding)
                else:
                    y = tf.nn.conv2d(x, w, strides=strides, padding=padding, dilations=dil)
                out(y)
                gy = const("gy", y.shape.as_list())
                dx, dw = tf.gradients(y, [x, w], grad_ys=gy)
                out(dx, "dx")
                out(dw, "dw")
        for strides, padding, dil in [
            ([1, 2, 2, 1], "SAME", [1, 1, 1, 1]),
            ([1, 1, 1, 1], "VALID", [1, 1, 1, 1]),
            ([1, 1, 1, 1], "SAME", [1, 2, 2, 1]),
        ]:
            with tf.name_scope(scope()):
                w = const("w", [3, 3, 3, 2])
                out(raw.DepthwiseConv2dNative(input=x, filter=w, strides=strides,
                                              padding=padding, dilations=dil))
        xt = const("xt", [2, 17, 13, 3], ties=True)
        for op, ksize, strides, padding in [
            ("max", [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
            ("max", [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
            ("max", [1, 2, 3, 1], [1, 1, 2, 1], "SAME"),
            ("avg", [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
            ("avg", [1, 2, 3, 1], [1, 1, 1, 1], "VALID"),
            ("avg", [1, 4, 4, 1], [1, 3, 3, 1], "SAME"),
        ]:
            with tf.name_scope(scope()):
                f = tf.nn.max_pool2d if op == "max" else tf.nn.avg_pool2d
                y = f(xt, ksize=ksize, strides=strides, padding=padding)
                out(y)
                gy = const("gy", y.shape.as_list())
                out(tf.gradients(y, [xt], grad_ys=gy)[0], "dx")
        c = 3
        stats = [tf.constant(rng.uniform(-1, 1, c).astype(np.float32), name="scale"),
                 tf.constant(rng.uniform(-1, 1, c).astype(np.float32), name="offset"),
                 tf.constant(rng.uniform(-1, 1, c).astype(np.float32), name="mean"),
                 tf.constant(rng.uniform(0.1, 2, c).astype(np.float32), name="var")]
        with tf.name_scope(scope()):
            out(raw.FusedBatchNormV3(x=x, scale=stats[0], offset=stats[1], mean=stats[2],
                                     variance=stats[3], epsilon=0.001, is_training=False)[0])
        with tf.name_scope(scope()):
            out(raw.FusedBatchNorm(x=x, scale=stats[0], offset=stats[1], mean=stats[2],
                                   variance=stats[3], epsilon=0.01, is_training=False)[0])
        pads = tf.constant([[0, 1], [2, 3], [1, 0], [0, 0]], name="paddings")
        with tf.name_scope(scope()):
            out(raw.Pad(input=x, paddings=pads))
        with tf.name_scope(scope()):
            out(raw.PadV2(input=x, paddings=pads, constant_values=tf.constant(0.5)))
        for mode in ["REFLECT", "SYMMETRIC"]:
            with tf.name_scope(scope()):
                out(raw.MirrorPad(input=x, paddings=pads, mode=mode))

        with tf1.Session(graph=g) as sess:
            values = sess.run(fetches)
        for name, v in zip(fetches, values):
            tf.constant(v, name="expected/" + name.split(":")[0])
        tf.constant(np.array([f.encode() for f in fetches], dtype=object), name="fetches")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "conv_ops.pb")
    with open(path, "wb") as f:
        f.write(g.as_graph_def().SerializeToString())
    print("wrote %s (%d fetches, %d bytes)" % (path, len(fetches), os.path.getsize(path)))


if __name__ == "__main__":
    main()
