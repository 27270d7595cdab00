"""TensorBoard event files: TensorFlow reads cairn's, cairn reads TensorFlow's.

Run with `cargo xtask fixtures --only events` (cwd = repository root), or directly with
`python xtask/python/fixtures_events.py [EVENTS_FILE]` to check an existing cairn file.

Writes into fixtures/events/:
  * cairn.tfevents: `cairn train --steps 300 --log-every 100 --logdir TMP` (debug build),
    copied from TMP;
  * tf_v1.tfevents: tf.compat.v1.summary.FileWriter with a small graph and simple_value
    scalars (the classic TensorFlow 1.x way);
  * tf_v2.tfevents: tf.summary.write under tf.summary.create_file_writer (TensorFlow 2's
    encoding of tf.summary.scalar: float32 scalar tensors) and tf.summary.graph;
  * tf_read.json: for each file, what TensorFlow itself read from it:
    tf.compat.v1.train.summary_iterator (file_version, graph present and its node count,
    every scalar as [step, value]) and tf.data.TFRecordDataset, which verifies both CRCs
    of every record (record count; all_crcs_valid is false if it raised).
When the tensorboard package is installed, tensorboard_reads_cairn records what
TensorBoard's EventAccumulator (the loader behind its Scalars and Graphs tabs) reads from
cairn.tfevents. The Rust tests (crates/cairn-summary/tests/tensorflow.rs) read the three files with
cairn's reader and must see exactly what TensorFlow saw.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import tensorflow as tf

OUT = os.path.join("fixtures", "events")


def cairn_binary():
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run([cargo, "build", "-q", "-p", "cairn", "--bin", "cairn"], check=True)
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    return os.path.join(target, "debug", "cairn")


def cairn_events(tmp):
    logdir = os.path.join(tmp, "cairn_logs")
    subprocess.run([cairn_binary(), "train", "--steps", "300", "--log-every", "100",
                    "--logdir", logdir, "--quiet"], check=True)
    files = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    assert len(files) == 1, files
    return files[0]


def tf_v1_events(tmp):
    logdir = os.path.join(tmp, "tf_v1")
    with tf.Graph().as_default() as g:
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x-input")
        w = tf.compat.v1.get_variable("layer1/weights", [4, 2])
        tf.nn.relu(tf.matmul(x, w), name="out")
        writer = tf.compat.v1.summary.FileWriter(logdir, graph=g)
        for step, (loss, lr, acc) in enumerate([(2.3, 0.8, 0.1), (0.5, 0.792, 0.9),
                                                (0.25, 0.78408, 0.95)]):
            s = tf.compat.v1.Summary(value=[
                tf.compat.v1.Summary.Value(tag="loss", simple_value=loss),
                tf.compat.v1.Summary.Value(tag="learning_rate", simple_value=lr),
                tf.compat.v1.Summary.Value(tag="accuracy/validation", simple_value=acc),
            ])
            writer.add_summary(s, global_step=100 * (step + 1))
        writer.close()
    files = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    assert len(files) == 1, files
    return files[0]


def tf_v2_events(tmp):
    logdir = os.path.join(tmp, "tf_v2")
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        with tf.Graph().as_default() as g:
            a = tf.constant([1.0, 2.0], name="a")
            tf.identity(a * 2.0, name="b")
        tf.summary.graph(g.as_graph_def())
        for step in range(1, 4):
            # tf.summary.write: tf.summary.scalar's encoding (a float32 scalar tensor)
            # without needing the tensorboard package.
            tf.summary.write("loss", tf.constant(1.0 / step), step=step * 10)
            tf.summary.write("accuracy/validation", tf.constant(1.0 - 0.1 / step),
                             step=step * 10)
    writer.close()
    files = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    assert len(files) == 1, files
    return files[0]


def scalar_of(value):
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind == "tensor":
        return float(tf.make_ndarray(value.tensor).reshape(-1)[0])
    return None


def what_tensorflow_reads(path, name):
    records, crcs_ok = 0, True
    try:
        for _ in tf.data.TFRecordDataset(path):
            records += 1
    except tf.errors.DataLossError:
        crcs_ok = False
    events, file_version, graph_nodes = 0, None, None
    scalars = {}
    for e in tf.compat.v1.train.summary_iterator(path):
        events += 1
        kind = e.WhichOneof("what")
        if kind == "file_version":
            file_version = file_version or e.file_version
        elif kind == "graph_def" and graph_nodes is None:
            gd = tf.compat.v1.GraphDef()
            gd.ParseFromString(e.graph_def)
            graph_nodes = len(gd.node)
        elif kind == "summary":
            for v in e.summary.value:
                x = scalar_of(v)
                if x is not None:
                    scalars.setdefault(v.tag, []).append([e.step, x])
    return {
        "file": name,
        "tfrecord_dataset_records": records,
        "all_crcs_valid": crcs_ok,
        "events": events,
        "file_version": file_version,
        "graph_present": graph_nodes is not None,
        "graph_nodes": graph_nodes,
        "scalars": scalars,
    }


def what_tensorboard_reads(path):
    """TensorBoard's own loader (what its Scalars and Graphs tabs show), if installed."""
    try:
        import tensorboard
        from tensorboard.backend.event_processing import event_accumulator as ea
    except ImportError:
        return None
    acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0})
    acc.Reload()
    tags = acc.Tags()
    return {
        "version": tensorboard.__version__,
        "graph": bool(tags["graph"]),
        "graph_nodes": len(acc.Graph().node) if tags["graph"] else None,
        "scalars": {t: [[e.step, float(e.value)] for e in acc.Scalars(t)]
                    for t in tags["scalars"]},
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    if len(sys.argv) > 1:
        print(json.dumps(what_tensorflow_reads(sys.argv[1], os.path.basename(sys.argv[1])),
                         indent=1))
        return
    result = {"tensorflow": tf.__version__, "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for key, make in [("cairn", cairn_events), ("tf_v1", tf_v1_events),
                          ("tf_v2", tf_v2_events)]:
            name = key + ".tfevents"
            shutil.copyfile(make(tmp), os.path.join(OUT, name))
            result["files"][key] = what_tensorflow_reads(os.path.join(OUT, name), name)
    cairn = result["files"]["cairn"]
    # The Rust test needs it: null (and a warning) when tensorboard is not installed.
    result["tensorboard_reads_cairn"] = what_tensorboard_reads(os.path.join(OUT, "cairn.tfevents"))
    if result["tensorboard_reads_cairn"] is None:
        print("warning: no tensorboard package; `pip install tensorboard` and rerun, or "
              "crates/cairn-summary's test of TensorBoard's view fails", file=sys.stderr)
    assert cairn["all_crcs_valid"], cairn
    assert cairn["graph_present"], cairn
    for tag in ["loss", "learning_rate", "accuracy/validation"]:
        assert [p[0] for p in cairn["scalars"][tag]] == [100, 200, 300], (tag, cairn)
    with open(os.path.join(OUT, "tf_read.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
