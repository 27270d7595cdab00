"""Images, image ops and frozen image classifiers made by TensorFlow, for cairn-image,
cairn's image ops and `cairn classify`.

Run with `cargo xtask fixtures --only images` (cwd = repository root). Writes `fixtures/images/`:

  img_420.jpg img_422.jpg img_444.jpg   baseline JPEGs (PIL, quality 90) of a 67x53 synthetic
  img_prog.jpg img_grey.jpg img_1x1.jpg  picture: chroma 4:2:0 / 4:2:2 / 4:4:4, progressive
                                         4:2:0, greyscale, and a single pixel
  NAME.jpg.npy                           uint8 HWC, TensorFlow's DecodeJpeg (defaults: ISLOW
                                         IDCT, fancy upsampling, channels 0) of each JPEG
  truncated.jpg                          the first half of img_420.jpg (TensorFlow refuses it)
  png_rgb.png png_rgba.png png_grey.png  8-bit PNGs (PIL) and 16-bit ones (tf.io.encode_png),
  png_pal.png png_grey16.png png_rgb16.png each with NAME.png.npy (TensorFlow's DecodePng,
                                         dtype uint8 or uint16)
  resize_cases.npz                       ResizeBilinear inputs and TensorFlow's outputs for odd
                                         shapes in the three modes (legacy, align_corners,
                                         half_pixel_centers)
  array_cases.json                       StridedSlice (all masks), legacy Concat, Pack cases
  tiny_decode.pb                         DecodeJpeg/contents -> DecodeJpeg -> Cast -> ExpandDims
                                         -> ResizeBilinear (32) -> Sub 128 -> Mul 1/128 -> Mean
                                         -> MatMul -> softmax (5 classes)
  tiny_input.pb                          placeholder `input` [1,32,32,3] -> Mean -> MatMul ->
                                         softmax (no decode node: cairn decodes and resizes)
  tiny_labels.txt                        one label per line for the 5 classes
  inception2015_small.pb                 the 2015 classify_image_graph_def.pb layout (producer 8,
                                         BatchNormWithGlobalNormalization, legacy Concat) at
                                         1/16 width: pool_3/_reshape has 128 features; softmax
                                         over 1008 classes
  imagenet_2012_challenge_label_map_proto.pbtxt, imagenet_synset_to_human_label_map.txt
                                         fake label files in the 2015 formats (1008 classes)
  mobilenet_v2_small.pb                  Keras MobileNetV2 (alpha 0.35, 96x96, 10 classes,
                                         weights=None, seeded), frozen with
                                         convert_variables_to_constants_v2
  expected.json                          TensorFlow's outputs for all graphs above

With CAIRN_FIXTURES_FULL=1 it writes instead, into `fixtures/images/full/` (ignored by git, ~100
MB): mobilenet_v2_full.pb (alpha 1.0, 224, 1000 classes), inception_v3_full.pb (Keras, 299, 1000
classes) and inception2015_full.pb (full width, 2048 features), with inputs, outputs and
expected_full.json; the benchmarks (`cairn bench`, `bench_tf_graph.py`) use them.
"""

import io
import json
import os

import numpy as np
import tensorflow as tf
from PIL import Image

tf1 = tf.compat.v1
FULL = os.environ.get("CAIRN_FIXTURES_FULL") == "1"
SMALL = os.path.join("fixtures", "images")
OUT = os.path.join(SMALL, "full") if FULL else SMALL


def save_npy(name, a):
    np.save(os.path.join(OUT, name), a)


def picture(h, w, seed):
    """A smooth picture with edges: gradients, a disc and stripes (JPEG-friendly, not noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 128 + 100 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 255 * x / max(w - 1, 1)
    b = 255 * y / max(h - 1, 1)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(h, w) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 250, 30, 60
    img = np.stack([r, g, b], -1) + rng.normal(0, 6, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def tf_decode_jpeg(data):
    return tf.io.decode_jpeg(data).numpy()


def make_images():
    pic = Image.fromarray(picture(53, 67, 1))
    jpegs = {
        "img_420.jpg": dict(img=pic, subsampling=2),
        "img_422.jpg": dict(img=pic, subsampling=1),
        "img_444.jpg": dict(img=pic, subsampling=0),
        "img_prog.jpg": dict(img=pic, subsampling=2, progressive=True),
        "img_grey.jpg": dict(img=pic.convert("L")),
        "img_1x1.jpg": dict(img=Image.fromarray(picture(1, 1, 2))),
    }
    for name, kw in jpegs.items():
        img = kw.pop("img")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90, **kw)
        data = buf.getvalue()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        save_npy(name + ".npy", tf_decode_jpeg(data))
    data = open(os.path.join(OUT, "img_420.jpg"), "rb").read()
    with open(os.path.join(OUT, "truncated.jpg"), "wb") as f:
        f.write(data[: len(data) // 2])

    rgb = picture(19, 23, 3)
    pngs = {
        "png_rgb.png": Image.fromarray(rgb),
        "png_rgba.png": Image.fromarray(np.dstack([rgb, rgb[:, :, :1]])),
        "png_grey.png": Image.fromarray(rgb[:, :, 1]),
        "png_pal.png": Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=16),
    }
    for name, img in pngs.items():
        path = os.path.join(OUT, name)
        img.save(path)
        save_npy(name + ".npy", tf.io.decode_png(open(path, "rb").read()).numpy())
    wide = (rgb.astype(np.uint16) * 257 + np.arange(23, dtype=np.uint16)[:, None]).astype(np.uint16)
    for name, a in [("png_rgb16.png", wide), ("png_grey16.png", wide[:, :, :1])]:
        data = tf.io.encode_png(a).numpy()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        save_npy(name + ".npy", tf.io.decode_png(data, dtype=tf.uint16).numpy())


def make_resize_cases():
    rng = np.random.default_rng(7)
    arrays = {}
    cases = [((1, 5, 7, 3), (9, 4)), ((2, 3, 3, 1), (7, 11)), ((1, 13, 6, 2), (5, 5)),
             ((1, 1, 1, 3), (4, 3)), ((1, 8, 8, 4), (8, 8))]
    for i, (shape, size) in enumerate(cases):
        x = rng.normal(size=shape).astype(np.float32)
        arrays[f"x{i}"] = x
        arrays[f"size{i}"] = np.array(size, np.int32)
        for mode, kw in [("legacy", {}), ("align", dict(align_corners=True)),
                         ("half", dict(half_pixel_centers=True))]:
            y = tf.raw_ops.ResizeBilinear(images=x, size=size, **kw).numpy()
            arrays[f"{mode}{i}"] = y
    np.savez(os.path.join(OUT, "resize_cases.npz"), **arrays)


def make_array_cases():
    x = np.arange(2 * 5 * 7, dtype=np.float32).reshape(2, 5, 7)
    slices = [
        dict(begin=[0, 1, 2], end=[2, 4, 7], strides=[1, 1, 2]),
        dict(begin=[1, -1, 6], end=[0, -6, 0], strides=[-1, -1, -3]),
        dict(begin=[0, 0, 0], end=[0, 3, 0], strides=[1, 1, 1], begin_mask=5, end_mask=5),
        dict(begin=[1, 2], end=[2, 3], strides=[1, 1], shrink_axis_mask=3),
        dict(begin=[0, 1], end=[0, 4], strides=[1, 1], ellipsis_mask=1),
        dict(begin=[0, 0, 1], end=[0, 0, 3], strides=[1, 1, 1], begin_mask=1, end_mask=1,
             new_axis_mask=2),
        dict(begin=[-1], end=[0], strides=[1], shrink_axis_mask=1),
        dict(begin=[0, 0, 0], end=[2, 5, 7], strides=[1, 2, 3]),
        dict(begin=[0, 9, -20], end=[2, 20, 20], strides=[1, 1, 1]),
    ]
    out = {"x": x.reshape(-1).tolist(), "x_shape": list(x.shape), "strided_slice": []}
    for s in slices:
        kw = {k: v for k, v in s.items() if k.endswith("mask")}
        y = tf.raw_ops.StridedSlice(input=x, begin=s["begin"], end=s["end"],
                                    strides=s["strides"], **kw).numpy()
        out["strided_slice"].append(dict(s, shape=list(y.shape), y=y.reshape(-1).tolist()))
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = -np.arange(9, dtype=np.float32).reshape(3, 3)
    c = tf.raw_ops.Concat(concat_dim=0, values=[a, b]).numpy()
    out["concat"] = dict(a=a.reshape(-1).tolist(), b=b.reshape(-1).tolist(),
                         shape=list(c.shape), y=c.reshape(-1).tolist())
    p = tf.raw_ops.Pack(values=[a, a + 10], axis=1).numpy()
    out["pack"] = dict(axis=1, shape=list(p.shape), y=p.reshape(-1).tolist())
    with open(os.path.join(OUT, "array_cases.json"), "w") as f:
        json.dump(out, f)


def run_graph(graph_def, feeds, fetches):
    g = tf.Graph()
    with g.as_default():
        tf1.import_graph_def(graph_def, name="")
    with tf1.Session(graph=g) as s:
        return s.run(fetches, feed_dict=feeds)


def write_pb(graph_def, name):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(graph_def.SerializeToString())
    print("wrote", name, len(graph_def.node), "nodes")


def tiny_graphs(expected):
    rng = np.random.default_rng(11)
    w = rng.normal(size=(3, 5)).astype(np.float32) * 3
    first = open(os.path.join(OUT, "img_420.jpg"), "rb").read()
    g = tf.Graph()
    with g.as_default():
        contents = tf.constant(first, name="DecodeJpeg/contents")
        img = tf.io.decode_jpeg(contents, channels=3, name="DecodeJpeg")
        x = tf.cast(img, tf.float32, name="Cast")
        x = tf.expand_dims(x, 0, name="ExpandDims")
        x = tf1.image.resize_bilinear(x, [32, 32], name="ResizeBilinear")
        x = tf.subtract(x, 128.0, name="Sub")
        x = tf.multiply(x, 1.0 / 128, name="Mul")
        m = tf.reduce_mean(x, axis=[1, 2], name="Mean")
        logits = tf.matmul(m, w, name="logits")
        tf.nn.softmax(logits, name="softmax")
    gd = g.as_graph_def()
    write_pb(gd, "tiny_decode.pb")
    out = {}
    for name in ["img_420.jpg", "img_444.jpg", "img_grey.jpg", "img_prog.jpg"]:
        data = open(os.path.join(OUT, name), "rb").read()
        sm, mul = run_graph(gd, {"DecodeJpeg/contents:0": data}, ["softmax:0", "Mul:0"])
        out[name] = dict(softmax=sm.reshape(-1).tolist())
        if name == "img_420.jpg":
            save_npy("tiny_decode_mul.npy", mul)
    expected["tiny_decode"] = out

    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [1, 32, 32, 3], name="input")
        m = tf.reduce_mean(x * 4.0 - 2.0, axis=[1, 2], name="Mean")
        tf.nn.softmax(tf.matmul(m, w), name="softmax")
    gd = g.as_graph_def()
    write_pb(gd, "tiny_input.pb")
    out = {}
    for name in ["img_420.jpg", "png_rgb.png"]:
        data = open(os.path.join(OUT, name), "rb").read()
        # label_image.py: decode, cast, resize_bilinear (legacy), (x - 0) / 255
        img = tf.cast(tf.io.decode_image(data, channels=3), tf.float32)[None]
        img = tf1.image.resize_bilinear(img, [32, 32]) / 255.0
        out[name] = dict(softmax=run_graph(gd, {"input:0": img.numpy()}, "softmax:0")
                         .reshape(-1).tolist())
    expected["tiny_input"] = out
    with open(os.path.join(OUT, "tiny_labels.txt"), "w") as f:
        f.write("".join(f"class {c}\n" for c in ["zero", "one", "two", "three", "four"]))


# ---- the 2015 classify_image_graph_def.pb layout, written NodeDef by NodeDef ----

class GraphWriter:
    """Writes NodeDefs directly, so the legacy ops and names are exactly the 2015 ones."""

    def __init__(self, seed):
        self.gd = tf1.GraphDef()
        self.rng = np.random.default_rng(seed)

    def node(self, name, op, inputs=(), **attrs):
        n = self.gd.node.add()
        n.name, n.op = name, op
        n.input.extend(inputs)
        for k, v in attrs.items():
            n.attr[k].CopyFrom(v)
        return name

    def const(self, name, value, dtype=tf.float32):
        t = tf1.make_tensor_proto(value, dtype=dtype)
        return self.node(name, "Const", value=tf1.AttrValue(tensor=t),
                         dtype=tf1.AttrValue(type=dtype.as_datatype_enum))


F32 = tf1.AttrValue(type=tf.float32.as_datatype_enum)


def ints(v):
    return tf1.AttrValue(list=tf1.AttrValue.ListValue(i=v))


def conv_unit(w, name, x, cin, cout, k, stride=1, padding="SAME"):
    kh, kw = k if isinstance(k, tuple) else (k, k)
    std = np.sqrt(2.0 / (kh * kw * cin))
    filt = w.const(f"{name}/conv2d_params",
                   (w.rng.normal(size=(kh, kw, cin, cout)) * std).astype(np.float32))
    c = w.node(f"{name}/Conv2D", "Conv2D", [x, filt], T=F32, strides=ints([1, stride, stride, 1]),
               padding=tf1.AttrValue(s=padding.encode()), data_format=tf1.AttrValue(s=b"NHWC"),
               use_cudnn_on_gpu=tf1.AttrValue(b=True))
    mean = w.const(f"{name}/batchnorm/moving_mean", w.rng.normal(0, 0.1, cout).astype(np.float32))
    var = w.const(f"{name}/batchnorm/moving_variance",
                  w.rng.uniform(0.5, 1.5, cout).astype(np.float32))
    beta = w.const(f"{name}/batchnorm/beta", w.rng.normal(0, 0.1, cout).astype(np.float32))
    gamma = w.const(f"{name}/batchnorm/gamma", w.rng.uniform(0.8, 1.2, cout).astype(np.float32))
    bn = w.node(f"{name}/batchnorm", "BatchNormWithGlobalNormalization", [c, mean, var, beta, gamma],
                T=F32, variance_epsilon=tf1.AttrValue(f=0.001),
                scale_after_normalization=tf1.AttrValue(b=True))
    return w.node(name, "Relu", [bn], T=F32)


def pool(w, name, op, x, k, s, padding):
    return w.node(name, op, [x], T=F32, ksize=ints([1, k, k, 1]), strides=ints([1, s, s, 1]),
                  padding=tf1.AttrValue(s=padding.encode()), data_format=tf1.AttrValue(s=b"NHWC"))


def concat(w, name, parts):
    dim = w.const(f"{name}/concat_dim", np.int32(3), tf.int32)
    return w.node(name, "Concat", [dim] + parts, T=F32, N=tf1.AttrValue(i=len(parts)))


def inception2015(width, classes, jpeg):
    """Inception-v3 body in the 2015 graph's layout; every channel count divided by `width`."""
    c = lambda n: max(1, n // width)  # noqa: E731
    w = GraphWriter(2015)
    x = w.const("DecodeJpeg/contents", jpeg, tf.string)
    x = w.node("DecodeJpeg", "DecodeJpeg", [x], channels=tf1.AttrValue(i=3),
               ratio=tf1.AttrValue(i=1), fancy_upscaling=tf1.AttrValue(b=True),
               try_recover_truncated=tf1.AttrValue(b=False),
               acceptable_fraction=tf1.AttrValue(f=1.0), dct_method=tf1.AttrValue(s=b""))
    x = w.node("Cast", "Cast", [x], SrcT=tf1.AttrValue(type=tf.uint8.as_datatype_enum), DstT=F32)
    dim = w.const("ExpandDims/dim", np.int32(0), tf.int32)
    x = w.node("ExpandDims", "ExpandDims", [x, dim], T=F32,
               Tdim=tf1.AttrValue(type=tf.int32.as_datatype_enum))
    size = w.const("ResizeBilinear/size", np.array([299, 299], np.int32), tf.int32)
    x = w.node("ResizeBilinear", "ResizeBilinear", [x, size], T=F32,
               align_corners=tf1.AttrValue(b=False))
    x = w.node("Sub", "Sub", [x, w.const("Sub/y", np.float32(128))], T=F32)
    x = w.node("Mul", "Mul", [x, w.const("Mul/y", np.float32(1 / 128))], T=F32)
    cin = 3

    def unit(name, inp, ci, co, k, s=1, p="SAME"):
        return conv_unit(w, name, inp, ci, co, k, s, p), co

    x, cin = unit("conv", x, cin, c(32), 3, 2, "VALID")
    x, cin = unit("conv_1", x, cin, c(32), 3, 1, "VALID")
    x, cin = unit("conv_2", x, cin, c(64), 3)
    x = pool(w, "pool", "MaxPool", x, 3, 2, "VALID")
    x, cin = unit("conv_3", x, cin, c(80), 1, 1, "VALID")
    x, cin = unit("conv_4", x, cin, c(192), 3, 1, "VALID")
    x = pool(w, "pool_1", "MaxPool", x, 3, 2, "VALID")
    # 35x35: mixed, mixed_1, mixed_2
    for i, pool_ch in enumerate([32, 64, 64]):
        m = "mixed" if i == 0 else f"mixed_{i}"
        b0, _ = unit(f"{m}/conv", x, cin, c(64), 1)
        t, _ = unit(f"{m}/tower/conv", x, cin, c(48), 1)
        b1, _ = unit(f"{m}/tower/conv_1", t, c(48), c(64), 5)
        t, _ = unit(f"{m}/tower_1/conv", x, cin, c(64), 1)
        t, _ = unit(f"{m}/tower_1/conv_1", t, c(64), c(96), 3)
        b2, _ = unit(f"{m}/tower_1/conv_2", t, c(96), c(96), 3)
        p = pool(w, f"{m}/tower_2/pool", "AvgPool", x, 3, 1, "SAME")
        b3, _ = unit(f"{m}/tower_2/conv", p, cin, c(pool_ch), 1)
        x = concat(w, f"{m}/join", [b0, b1, b2, b3])
        cin = c(64) + c(64) + c(96) + c(pool_ch)
    # 17x17 reduction: mixed_3
    b0, _ = unit("mixed_3/conv", x, cin, c(384), 3, 2, "VALID")
    t, _ = unit("mixed_3/tower/conv", x, cin, c(64), 1)
    t, _ = unit("mixed_3/tower/conv_1", t, c(64), c(96), 3)
    b1, _ = unit("mixed_3/tower/conv_2", t, c(96), c(96), 3, 2, "VALID")
    b2 = pool(w, "mixed_3/pool", "MaxPool", x, 3, 2, "VALID")
    x = concat(w, "mixed_3/join", [b0, b1, b2])
    cin = c(384) + c(96) + cin
    # 17x17: mixed_4..mixed_7 (7x1 / 1x7 factorized)
    for i, mid in zip(range(4, 8), [128, 160, 160, 192]):
        m = f"mixed_{i}"
        b0, _ = unit(f"{m}/conv", x, cin, c(192), 1)
        t, _ = unit(f"{m}/tower/conv", x, cin, c(mid), 1)
        t, _ = unit(f"{m}/tower/conv_1", t, c(mid), c(mid), (1, 7))
        b1, _ = unit(f"{m}/tower/conv_2", t, c(mid), c(192), (7, 1))
        t, _ = unit(f"{m}/tower_1/conv", x, cin, c(mid), 1)
        t, _ = unit(f"{m}/tower_1/conv_1", t, c(mid), c(mid), (7, 1))
        t, _ = unit(f"{m}/tower_1/conv_2", t, c(mid), c(mid), (1, 7))
        t, _ = unit(f"{m}/tower_1/conv_3", t, c(mid), c(mid), (7, 1))
        b2, _ = unit(f"{m}/tower_1/conv_4", t, c(mid), c(192), (1, 7))
        p = pool(w, f"{m}/tower_2/pool", "AvgPool", x, 3, 1, "SAME")
        b3, _ = unit(f"{m}/tower_2/conv", p, cin, c(192), 1)
        x = concat(w, f"{m}/join", [b0, b1, b2, b3])
        cin = 4 * c(192)
    # 8x8 reduction: mixed_8
    t, _ = unit("mixed_8/tower/conv", x, cin, c(192), 1)
    b0, _ = unit("mixed_8/tower/conv_1", t, c(192), c(320), 3, 2, "VALID")
    t, _ = unit("mixed_8/tower_1/conv", x, cin, c(192), 1)
    t, _ = unit("mixed_8/tower_1/conv_1", t, c(192), c(192), (1, 7))
    t, _ = unit("mixed_8/tower_1/conv_2", t, c(192), c(192), (7, 1))
    b1, _ = unit("mixed_8/tower_1/conv_3", t, c(192), c(192), 3, 2, "VALID")
    b2 = pool(w, "mixed_8/pool", "MaxPool", x, 3, 2, "VALID")
    x = concat(w, "mixed_8/join", [b0, b1, b2])
    cin = c(320) + c(192) + cin
    # 8x8: mixed_9, mixed_10
    for i in (9, 10):
        m = f"mixed_{i}"
        b0, _ = unit(f"{m}/conv", x, cin, c(320), 1)
        t, _ = unit(f"{m}/tower/conv", x, cin, c(384), 1)
        t1, _ = unit(f"{m}/tower/mixed/conv", t, c(384), c(384), (1, 3))
        t2, _ = unit(f"{m}/tower/mixed/conv_1", t, c(384), c(384), (3, 1))
        b1 = concat(w, f"{m}/tower/mixed", [t1, t2])
        t, _ = unit(f"{m}/tower_1/conv", x, cin, c(448), 1)
        t, _ = unit(f"{m}/tower_1/conv_1", t, c(448), c(384), 3)
        t1, _ = unit(f"{m}/tower_1/mixed/conv", t, c(384), c(384), (1, 3))
        t2, _ = unit(f"{m}/tower_1/mixed/conv_1", t, c(384), c(384), (3, 1))
        b2 = concat(w, f"{m}/tower_1/mixed", [t1, t2])
        p = pool(w, f"{m}/tower_2/pool", "AvgPool", x, 3, 1, "SAME")
        b3, _ = unit(f"{m}/tower_2/conv", p, cin, c(192), 1)
        x = concat(w, f"{m}/join", [b0, b1, b2, b3])
        cin = c(320) + 4 * c(384) + c(192)
    x = pool(w, "pool_3", "AvgPool", x, 8, 1, "VALID")
    shape = w.const("pool_3/_reshape/shape", np.array([1, cin], np.int32), tf.int32)
    x = w.node("pool_3/_reshape", "Reshape", [x, shape], T=F32,
               Tshape=tf1.AttrValue(type=tf.int32.as_datatype_enum))
    wts = w.const("softmax/weights",
                  (w.rng.normal(size=(cin, classes)) * (3 / np.sqrt(cin))).astype(np.float32))
    bias = w.const("softmax/biases", w.rng.normal(0, 0.1, classes).astype(np.float32))
    x = w.node("softmax/logits/MatMul", "MatMul", [x, wts], T=F32,
               transpose_a=tf1.AttrValue(b=False), transpose_b=tf1.AttrValue(b=False))
    x = w.node("softmax/logits", "BiasAdd", [x, bias], T=F32,
               data_format=tf1.AttrValue(s=b"NHWC"))
    w.node("softmax", "Softmax", [x], T=F32)
    w.gd.versions.producer = 8
    return w.gd, cin


def label_files(classes):
    with open(os.path.join(OUT, "imagenet_2012_challenge_label_map_proto.pbtxt"), "w") as f:
        f.write("# -*- protobuffer -*-\n# LabelMap from ImageNet 2012 full data set UID to int32 target class.\n\n")
        for i in range(1, classes - 7):
            f.write(f'entry {{\n  target_class: {i}\n  target_class_string: "n{i:08d}"\n}}\n')
    with open(os.path.join(OUT, "imagenet_synset_to_human_label_map.txt"), "w") as f:
        f.write("n00004475\torganism, being\n")
        for i in range(1, classes - 7):
            f.write(f"n{i:08d}\tthing {i}, object number {i}\n")


def inception2015_outputs(gd, name, expected):
    out = {}
    for img in ["img_420.jpg", "img_422.jpg", "img_444.jpg", "img_prog.jpg", "img_grey.jpg"]:
        data = open(os.path.join(SMALL, img), "rb").read()
        sm = run_graph(gd, {"DecodeJpeg/contents:0": data}, "softmax:0")
        top5 = np.argsort(-sm[0])[:5].tolist()
        out[img] = dict(top5=top5, softmax=sm.reshape(-1).tolist())
    expected[name] = out


def keras_frozen(model, path_name, size, expected, n_inputs=2):
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)
    fn = tf.function(lambda x: model(x, training=False))
    conc = fn.get_concrete_function(tf.TensorSpec([1, size, size, 3], tf.float32, name="input"))
    frozen = convert_variables_to_constants_v2(conc)
    gd = frozen.graph.as_graph_def()
    write_pb(gd, path_name + ".pb")
    in_name = frozen.inputs[0].name
    out_name = frozen.outputs[0].name
    rng = np.random.default_rng(5)
    outs = []
    for i in range(n_inputs):
        x = rng.uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
        save_npy(f"{path_name}_in{i}.npy", x)
        y = run_graph(gd, {in_name: x}, out_name)
        save_npy(f"{path_name}_out{i}.npy", y)
        outs.append(dict(input=f"{path_name}_in{i}.npy", output=f"{path_name}_out{i}.npy",
                         top5=np.argsort(-y[0])[:5].tolist()))
    expected[path_name] = dict(input=in_name, output=out_name, cases=outs)


def keras_models(expected, full):
    import keras
    keras.utils.set_random_seed(1234)
    if not full:
        m = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None,
                                           classes=10, classifier_activation="softmax")
        keras_frozen(m, "mobilenet_v2_small", 96, expected)
    else:
        m = keras.applications.MobileNetV2(weights=None)
        keras_frozen(m, "mobilenet_v2_full", 224, expected)
        m = keras.applications.InceptionV3(weights=None)
        keras_frozen(m, "inception_v3_full", 299, expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    if FULL:
        with open(os.path.join(OUT, ".gitignore"), "w") as f:
            f.write("*\n")
    tf.random.set_seed(1234)
    expected = {}
    if not FULL:
        make_images()
        make_resize_cases()
        make_array_cases()
        tiny_graphs(expected)
    first = open(os.path.join(SMALL, "img_420.jpg"), "rb").read()
    width, name = (1, "inception2015_full") if FULL else (16, "inception2015_small")
    gd, feats = inception2015(width, 1008, first)
    write_pb(gd, name + ".pb")
    if not FULL:
        label_files(1008)
    inception2015_outputs(gd, name, expected)
    expected[name]["features"] = feats
    keras_models(expected, FULL)
    fname = "expected_full.json" if FULL else "expected.json"
    with open(os.path.join(OUT, fname), "w") as f:
        json.dump(expected, f)
    print("wrote", fname)


if __name__ == "__main__":
    main()
