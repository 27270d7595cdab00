"""Generates fixtures/convert/: files Python writes for cairn to read, and checks that
Python reads the files `cairn convert` writes.

Run with `cargo xtask fixtures --only convert` (cwd = repository root), or directly with
`python xtask/python/fixtures_convert.py`; it builds the `cairn` binary first (`cargo
build -p cairn --bin cairn`; `CARGO` and `CARGO_TARGET_DIR` are honoured).

Writes
- python.safetensors      safetensors.numpy.save_file, every dtype numpy has there
- python_bf16.safetensors safetensors.torch.save_file, bfloat16 (numpy has none)
- python.npz              np.savez (stored members), names with slashes
- python_compressed.npz   np.savez_compressed (deflated members)
- result.json             {"files": {FILE: [{"name", "dtype", "shape", "sha256"}]},
                           "python_reads_cairn": {...}}
sha256 is over the values as C-order little-endian bytes (bfloat16: its 16-bit
patterns), dtype is numpy's name ("bfloat16" for bfloat16).

Then it runs `cairn convert` on TensorFlow's fixture
checkpoints (fixtures/checkpoints/) to .safetensors and .npz in a temporary directory,
loads them with safetensors (numpy and torch) and np.load, and records in
result.json["python_reads_cairn"] whether every tensor equals, bit for bit, what
tf.train.load_checkpoint reads from the source checkpoint; and converts the Python-written
files above back to checkpoints that TensorFlow reads ("tf_reads.FILE": found with
tf.train.latest_checkpoint, values bit-identical to what Python wrote).
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

OUT = os.path.join("fixtures", "convert")


def build_cairn():
    """Builds the cairn binary (so a stale one is never tested) and returns its path."""
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run([cargo, "build", "-q", "-p", "cairn", "--bin", "cairn"], check=True)
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    return os.path.join(target, "debug", "cairn")


def le_bytes(arr):
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">":
        arr = arr.byteswap().view(arr.dtype.newbyteorder("<"))
    return arr.tobytes()


def describe(name, arr, dtype_name=None):
    return {
        "name": name,
        "dtype": dtype_name or arr.dtype.name,
        "shape": list(arr.shape),
        "sha256": hashlib.sha256(le_bytes(arr)).hexdigest(),
    }


def sample_arrays(rng):
    """Every numpy dtype both formats hold, plus a scalar and a zero-size tensor."""
    out = {}
    for dt in ["float16", "float32", "float64", "int8", "int16", "int32", "int64",
               "uint8", "uint16", "uint32", "uint64"]:
        info = np.finfo(dt) if dt.startswith("float") else np.iinfo(dt)
        if dt.startswith("float"):
            a = (rng.standard_normal((2, 3)) * 10).astype(dt)
            a[0, 0] = info.max
            a[0, 1] = -0.0
            a[0, 2] = np.inf
        else:
            a = rng.integers(info.min, info.max, size=(2, 3), dtype=dt, endpoint=True)
            a[0, 0] = info.min
            a[0, 1] = info.max
        out[f"dtypes/{dt}"] = a
    out["dtypes/bool"] = np.array([[True, False, True]])
    out["dtypes/complex64"] = np.array([1 + 2j, -3.5 - 0.25j], dtype=np.complex64)
    out["scalars/step"] = np.array(3000, dtype=np.int64)
    out["empty/float"] = np.zeros((0, 3), dtype=np.float32)
    out["layer1/weights"] = rng.standard_normal((4, 5)).astype(np.float32)
    return out


def write_python_files(files):
    import safetensors.numpy
    import safetensors.torch
    import torch

    rng = np.random.default_rng(7)
    arrays = sample_arrays(rng)

    path = os.path.join(OUT, "python.safetensors")
    safetensors.numpy.save_file(arrays, path)
    files["python.safetensors"] = [describe(k, v) for k, v in sorted(arrays.items())]

    bf = torch.tensor([[1.0, -2.5, 3.140625], [0.0, -0.0, 65280.0]], dtype=torch.bfloat16)
    path = os.path.join(OUT, "python_bf16.safetensors")
    safetensors.torch.save_file({"bf16/weights": bf, "f32/bias": torch.arange(3, dtype=torch.float32)}, path)
    files["python_bf16.safetensors"] = [
        describe("bf16/weights", bf.view(torch.int16).numpy(), "bfloat16"),
        describe("f32/bias", np.arange(3, dtype=np.float32)),
    ]

    npz = dict(arrays)
    npz["dtypes/complex128"] = np.array([1e300 + 1j, -2.0 - 1e-300j], dtype=np.complex128)
    for fname, save in [("python.npz", np.savez), ("python_compressed.npz", np.savez_compressed)]:
        save(os.path.join(OUT, fname), **npz)
        files[fname] = [describe(k, v) for k, v in npz.items()]


def python_reads_cairn():
    """Converts TensorFlow's fixture checkpoints with cairn, reads the results back."""
    cairn = build_cairn()
    import ml_dtypes
    import safetensors.numpy
    import safetensors.torch
    import tensorflow as tf
    import torch

    results = {}
    sources = {
        "tf1_simple": (os.path.join("fixtures", "checkpoints", "tf1_simple", "model.ckpt-3000"), None),
        "dtypes": (os.path.join("fixtures", "checkpoints", "dtypes", "model.ckpt"), "string"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, (prefix, skip) in sources.items():
            reader = tf.train.load_checkpoint(prefix)
            dtypes = reader.get_variable_to_dtype_map()
            for ext in ["safetensors", "npz"]:
                names = [n for n in sorted(dtypes) if not (skip and dtypes[n] == tf.string)]
                if ext == "safetensors":
                    names = [n for n in names if dtypes[n] != tf.complex128]
                dst = os.path.join(tmp, f"{label}.{ext}")
                cmd = [cairn, "convert", prefix, dst]
                for n in names:
                    cmd += ["--only", n]
                run = subprocess.run(cmd, capture_output=True, text=True)
                entry = {"command": " ".join(cmd[1:3] + [os.path.basename(dst)]), "tensors": len(names)}
                if run.returncode != 0:
                    entry.update(ok=False, error=run.stderr.strip())
                    results[f"{label}.{ext}"] = entry
                    continue
                if ext == "npz":
                    with np.load(dst) as z:
                        loaded = {k: z[k] for k in z.files}
                else:
                    # numpy's loader lacks bfloat16: torch reads every tensor.
                    loaded = {k: v.view(torch.int16).numpy() if v.dtype == torch.bfloat16
                              else v.numpy() for k, v in safetensors.torch.load_file(dst).items()}
                bad = []
                for n in names:
                    want = reader.get_tensor(n)
                    got = loaded.get(n)
                    if got is None:
                        bad.append(f"{n}: missing")
                        continue
                    if dtypes[n] == tf.bfloat16:
                        want = np.asarray(want).view(np.int16)
                        got = got.view(np.int16)
                    same = (got.shape == np.shape(want) and le_bytes(got) == le_bytes(np.asarray(want)))
                    if not same:
                        bad.append(f"{n}: differs")
                entry.update(ok=not bad and len(loaded) == len(names), problems=bad)
                if ext == "safetensors" and label == "tf1_simple":
                    # numpy's own safetensors loader too (no bfloat16 in this one).
                    entry["numpy_loader_ok"] = sorted(safetensors.numpy.load_file(dst)) == names
                results[f"{label}.{ext}"] = entry
            # Strings are refused with a message naming the tensor.
            if skip:
                run = subprocess.run([cairn, "convert", prefix, os.path.join(tmp, "s.safetensors"),
                                      "--only", "dtypes/float32", "--only", "dtypes/string"],
                                     capture_output=True, text=True)
                results[f"{label}.strings_refused"] = {
                    "ok": run.returncode != 0 and "dtypes/string" in run.stderr,
                    "error": run.stderr.strip().replace(tmp + os.sep, ""),
                }
        # And back: Python's files → cairn convert → a checkpoint TensorFlow reads, found
        # through the `checkpoint` state file cairn wrote.
        for fname in ["python.safetensors", "python_bf16.safetensors", "python.npz",
                      "python_compressed.npz"]:
            ckdir = os.path.join(tmp, "back_" + fname.replace(".", "_"))
            run = subprocess.run([cairn, "convert", os.path.join(OUT, fname),
                                  os.path.join(ckdir, "model.ckpt")], capture_output=True, text=True)
            entry = {"command": f"convert {fname} DIR/model.ckpt"}
            if run.returncode != 0:
                entry.update(ok=False, error=run.stderr.strip())
                results[f"tf_reads.{fname}"] = entry
                continue
            latest = tf.train.latest_checkpoint(ckdir)
            reader = tf.train.load_checkpoint(latest)
            if fname.endswith(".npz"):
                with np.load(os.path.join(OUT, fname)) as z:
                    want = {k: z[k] for k in z.files}
            else:
                want = {k: v.view(torch.int16).numpy() if v.dtype == torch.bfloat16 else v.numpy()
                        for k, v in safetensors.torch.load_file(os.path.join(OUT, fname)).items()}
            bad = []
            for name, arr in want.items():
                got = np.asarray(reader.get_tensor(name))
                if got.dtype == ml_dtypes.bfloat16:
                    got = got.view(np.int16)
                if got.shape != arr.shape or le_bytes(got) != le_bytes(arr):
                    bad.append(name)
            entry.update(ok=latest is not None and not bad
                         and sorted(reader.get_variable_to_shape_map()) == sorted(want),
                         tensors=len(want), problems=bad)
            results[f"tf_reads.{fname}"] = entry
    return results


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}
    write_python_files(files)
    result = {"files": files, "python_reads_cairn": python_reads_cairn()}
    with open(os.path.join(OUT, "result.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(os.path.join(OUT, name))
    reads = result["python_reads_cairn"]
    failed = [k for k, v in reads.items() if isinstance(v, dict) and v.get("ok") is False]
    if failed:
        print("Python could not read cairn's files:", failed, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
