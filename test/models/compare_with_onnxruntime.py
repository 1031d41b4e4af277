#!/usr/bin/env python3
"""Compiles ONNX models with tlc, runs them, and compares with ONNX Runtime.

For each model and each requested batch size (and optionally a second
spatial size), feeds the same seeded random input to ONNX Runtime and to
`tlc compile` + `tlc run`, and checks

    max |tlc - ort| <= RTOL * max |ort|,   RTOL = 1e-4

Prints one line per case and "N passed, M failed". Needs onnxruntime
(scripts/install-deps puts it in .venv).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

RTOL = 1e-4


def input_spec(model_path):
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    return [(i.name, [d.dim_value if d.HasField("dim_value") else -1
                      for d in i.type.tensor_type.shape.dim]) for i in inputs]


def run_case(tlc, model, batch, spatial, workdir, threads, micro_batch=0):
    """Batch cases keep the batch dynamic in the artifact; spatial cases fix
    the whole input shape at compile time with --input-shape. micro_batch:
    tlc run's samples per pass (0: its default)."""
    feeds = {}
    rng = np.random.default_rng(0)
    shape_args = []
    for name, dims in input_spec(model):
        shape = list(dims)
        if shape and shape[0] == -1:
            shape[0] = batch
        if spatial and len(shape) == 4:
            shape[2] = shape[3] = spatial
        if any(d <= 0 for d in shape):
            raise ValueError(f"input {name} has unresolved dims {dims}")
        feeds[name] = rng.standard_normal(shape).astype(np.float32)
        shape_args.append(f"{name}={'x'.join(map(str, shape))}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    sess = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    ref = sess.run(None, feeds)

    tlb = os.path.join(workdir, "model.tlb")
    compile_args = [tlc, "compile", model, "-o", tlb]
    if spatial:
        compile_args += [f"--input-shape={a}" for a in shape_args]
    proc = subprocess.run(compile_args, capture_output=True, text=True)
    if proc.returncode:
        return False, "compile: " + proc.stderr.strip()[:400]
    args = [tlc, "run", tlb, "--output-dir", os.path.join(workdir, "out"),
            "--threads", str(threads), "--micro-batch", str(micro_batch)]
    for name, value in feeds.items():
        path = os.path.join(workdir, f"in_{len(args)}.npy")
        np.save(path, value)
        args += ["--input", f"{name}={path}"]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode:
        return False, "run: " + proc.stderr.strip()[:400]
    worst = 0.0
    for out, expected in zip(sess.get_outputs(), ref):
        got = np.load(os.path.join(workdir, "out", out.name + ".npy"))
        if got.shape != expected.shape:
            return False, f"{out.name}: shape {got.shape}, expected {expected.shape}"
        scale = max(float(np.abs(expected).max()), 1e-30)
        err = float(np.abs(got - expected).max())
        worst = max(worst, err / scale)
    ok = worst <= RTOL
    return ok, f"max error {worst:.2e} x max|ref| (tolerance {RTOL:.0e})"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--batches", default="1")
    parser.add_argument("--spatial", type=int, default=0,
                        help="also run at this spatial size")
    parser.add_argument("--spatial-models", default="",
                        help="';'/','-separated model names the spatial size applies to "
                             "(default: all)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fixtures", default="",
                        help="';'-separated cases of --fixture-script to make and compare")
    parser.add_argument("--fixture-script")
    parser.add_argument("--workdir", help="where fixtures are written")
    parser.add_argument("--export-dir",
                        help="export the torchvision models here (cached) and compare them")
    parser.add_argument("--export-python", default="/usr/bin/python3",
                        help="the Python with torch, for the export")
    parser.add_argument("--micro-batch-case", default="",
                        help="B:C: also run a batch of B in passes of C samples "
                             "(models with a dynamic batch)")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    models = list(args.models)
    for case in filter(None, args.fixtures.replace(",", ";").split(";")):
        os.makedirs(args.workdir, exist_ok=True)
        path = os.path.join(args.workdir, case + ".onnx")
        subprocess.run([sys.executable, args.fixture_script, case, path], check=True)
        models.append(path)
    if args.export_dir:
        here = os.path.dirname(os.path.abspath(__file__))
        out = subprocess.run([args.export_python, os.path.join(here, "export_torchvision.py"),
                              "--out", args.export_dir, "--opset", "17", "--dynamic-batch"],
                             check=True, capture_output=True, text=True).stdout
        models += out.split()
    spatial_models = set(filter(None, args.spatial_models.replace(",", ";").split(";")))
    spatial_files = {}
    if args.export_dir and args.spatial and spatial_models:
        out = subprocess.run([args.export_python, os.path.join(here, "export_torchvision.py"),
                              "--out", args.export_dir + "-spatial", "--opset", "17",
                              "--dynamic-spatial", "--models", ",".join(sorted(spatial_models))],
                             check=True, capture_output=True, text=True).stdout
        spatial_files = {os.path.splitext(os.path.basename(p))[0]: p for p in out.split()}
    if not models:
        sys.exit("no models given")
    passed = failed = 0
    for model in models:
        cases = [(int(b), 0, 0) for b in args.batches.split(",")]
        name = os.path.splitext(os.path.basename(model))[0]
        if args.spatial and (not spatial_models or name in spatial_models):
            cases.append((1, args.spatial, 0))
        if args.micro_batch_case and any(dims and dims[0] == -1
                                         for _, dims in input_spec(model)):
            batch, chunk = map(int, args.micro_batch_case.split(":"))
            cases.append((batch, 0, chunk))
        for batch, spatial, chunk in cases:
            with tempfile.TemporaryDirectory() as workdir:
                try:
                    path = spatial_files.get(name, model) if spatial else model
                    ok, detail = run_case(args.tlc, path, batch, spatial, workdir, args.threads,
                                          chunk)
                except Exception as e:  # an ORT or export problem, reported as a failure
                    ok, detail = False, f"{type(e).__name__}: {e}"
            label = f"{os.path.basename(model)} batch {batch}" + \
                (f" {spatial}x{spatial}" if spatial else "") + \
                (f" in passes of {chunk}" if chunk else "")
            print(f"{'PASS' if ok else 'FAIL'} {label}: {detail}", flush=True)
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
