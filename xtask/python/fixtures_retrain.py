"""Transfer learning: cairn retrains the 2015-style Inception graph, TensorFlow runs the
result.

Run with `cargo xtask fixtures --only retrain` (cwd = repository root) after
`cargo build -p cairn` (or with CAIRN_BIN pointing at a cairn binary), and after
`cargo xtask fixtures --only images` made `fixtures/images/inception2015_small.pb`.
Writes `fixtures/retrain/`:

  images/<class>/img*.jpg      3 classes of small synthetic JPEGs (PIL, seeded): the folder
                               `cairn retrain --image-dir` reads
  held_out/<class>/img*.jpg    other images of the same classes, never trained on
  tf_result.json               the exact `cairn retrain` arguments used, cairn's JSON report,
                               and for every held-out image TensorFlow's `final_result` when it
                               runs cairn's retrained graph (fed the JPEG bytes through
                               `DecodeJpeg/contents:0`, as classify_image.py feeds it)

The Rust test (crates/cairn/tests/cli_retrain.rs) retrains with the same arguments and
checks that cairn's graph gives the probabilities TensorFlow recorded and classifies every
held-out image correctly.
"""

import io
import json
import os
import subprocess
import tempfile

import numpy as np
import tensorflow as tf
from PIL import Image

tf1 = tf.compat.v1
OUT = os.path.join("fixtures", "retrain")
GRAPH = os.path.join("fixtures", "images", "inception2015_small.pb")
# Three kinds of picture whose bottlenecks the small random-weight Inception graph tells
# apart (many plain colours give it identical, saturated bottlenecks).
CLASSES = ["green_noise", "checkerboard", "dark_noise"]
ARGS = [
    "--bottleneck", "pool_3/_reshape:0",
    "--steps", "2000",
    "--learning-rate", "0.3",
    "--batch-size", "50",
    "--eval-every", "50",
    "--validation-percentage", "20",
    "--testing-percentage", "0",
    "--seed", "7",
]


def picture(rng, kind):
    h, w = int(rng.integers(40, 72)), int(rng.integers(36, 64))
    y, x = np.mgrid[0:h, 0:w]
    noise = rng.integers(-25, 26, size=(h, w, 3))
    if kind == "green_noise":
        base = np.array([30, 200, 40]) + rng.integers(-20, 21, 3)
        a = base + noise
    elif kind == "checkerboard":
        cell = int(rng.integers(5, 8))
        dx, dy = int(rng.integers(0, cell)), int(rng.integers(0, cell))
        a = (((x + dx) // cell + (y + dy) // cell) % 2 * 255)[..., None].repeat(3, 2) + noise
    else:
        a = rng.integers(0, 40) + noise + 25
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def write_images(root, per_class, seed):
    rng = np.random.default_rng(seed)
    files = []
    for name in CLASSES:
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for i in range(per_class):
            p = os.path.join(d, f"img{i:02d}.jpg")
            with open(p, "wb") as f:
                f.write(picture(rng, name))
            files.append((name, p))
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    write_images(os.path.join(OUT, "images"), 20, 1)
    held = write_images(os.path.join(OUT, "held_out"), 3, 2)
    cairn = os.environ.get("CAIRN_BIN", os.path.join("target", "debug", "cairn"))
    with tempfile.TemporaryDirectory() as tmp:
        pb, labels = os.path.join(tmp, "retrained.pb"), os.path.join(tmp, "labels.txt")
        cmd = [cairn, "retrain", "--graph", GRAPH, "--image-dir",
               os.path.join(OUT, "images"), "--out", pb, "--labels-out", labels,
               "--no-cache", "--json", "--quiet"] + ARGS
        report = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                           text=True).stdout.strip().splitlines()[-1])
        names = open(labels).read().splitlines()
        gd = tf1.GraphDef()
        gd.ParseFromString(open(pb, "rb").read())
    results = []
    with tf.Graph().as_default() as g:
        tf1.import_graph_def(gd, name="")
        with tf1.Session(graph=g) as s:
            for cls, path in held:
                probs = s.run("final_result:0",
                              {"DecodeJpeg/contents:0": open(path, "rb").read()})[0]
                top = int(np.argmax(probs))
                results.append({
                    "file": os.path.relpath(path, OUT).replace(os.sep, "/"),
                    "class": cls,
                    "tf_probs": [float(p) for p in probs],
                    "tf_label": names[top],
                    "tf_correct": names[top] == cls.replace("_", " "),
                })
    correct = sum(r["tf_correct"] for r in results)
    with open(os.path.join(OUT, "tf_result.json"), "w") as f:
        json.dump({
            "tensorflow": tf.__version__,
            "graph": GRAPH,
            "args": ARGS,
            "labels": names,
            "cairn_report": report,
            "held_out": results,
            "tf_correct": correct,
            "held_out_images": len(results),
        }, f, indent=1)
    print(f"TensorFlow classified {correct}/{len(results)} held-out images correctly "
          f"with cairn's retrained graph")


if __name__ == "__main__":
    main()
