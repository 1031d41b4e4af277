#!/usr/bin/env python3
"""Runs the ONNX backend node tests through the CPU runtime.

For every node test that `tlc import` accepts (see run_node_tests.py), runs
`tlc compile` and `tlc run` on each test_data_set_* and compares with the
expected outputs:

    |tlc - expected| <= ATOL + RTOL * |expected|  elementwise,
    ATOL = 1e-5, RTOL = 1e-4 (ONNX's own backend-test tolerances are 1e-7/1e-3)

Prints pass and fail counts. Failures listed in expected_numeric_failures.txt
(with their reason) are counted apart; any other failure, and a listed test
that passes, fails the run.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ATOL, RTOL = 1e-5, 1e-4


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run_one(tlc, test_dir):
    model = os.path.join(test_dir, "model.onnx")
    m = onnx.load(model)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i.name for i in m.graph.input if i.name not in inits]
    outputs = [o.name for o in m.graph.output]
    with tempfile.TemporaryDirectory() as work:
        tlb = os.path.join(work, "m.tlb")
        proc = subprocess.run([tlc, "compile", model, "-o", tlb], capture_output=True, text=True)
        if proc.returncode:
            return "skip", "does not compile: " + proc.stderr.strip().splitlines()[0][:200]
        sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
        for ds in sets:
            args = [tlc, "run", tlb, "--output-dir", os.path.join(work, ds)]
            for i, name in enumerate(inputs):
                value = load_pb(os.path.join(test_dir, ds, f"input_{i}.pb"))
                path = os.path.join(work, f"{ds}_in{i}.npy")
                np.save(path, np.ascontiguousarray(value))
                args += ["--input", f"{name}={path}"]
            proc = subprocess.run(args, capture_output=True, text=True, errors="replace")
            if proc.returncode not in (0, 1):
                return "fail", f"tlc run crashed (exit {proc.returncode})"
            if proc.returncode:
                return "fail", "run: " + proc.stderr.strip()[:200]
            for i, name in enumerate(outputs):
                want = load_pb(os.path.join(test_dir, ds, f"output_{i}.pb"))
                safe = "".join(c if c.isalnum() or c in "_-." else "_" for c in name)
                got = np.load(os.path.join(work, ds, safe + ".npy"))
                if got.shape != want.shape:
                    return "fail", f"{name}: shape {got.shape}, expected {want.shape}"
                if not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
                    err = float(np.max(np.abs(got.astype(np.float64) - want)))
                    return "fail", f"{name}: max abs error {err:.3g}"
    return "pass", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--node-dir", default="/usr/share/libonnx-testdata/data/node")
    parser.add_argument("--expected", default=os.path.join(HERE, "expected_numeric_failures.txt"))
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    expected = {}
    if os.path.exists(args.expected):
        for line in open(args.expected):
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                expected[name] = reason
    tests = sorted(d for d in os.listdir(args.node_dir)
                   if os.path.exists(os.path.join(args.node_dir, d, "model.onnx")))
    # Only models the importer accepts are candidates.
    importable = []
    for t in tests:
        proc = subprocess.run([args.tlc, "import", os.path.join(args.node_dir, t, "model.onnx"),
                               "--elide-weights=0", "-o", os.devnull], capture_output=True)
        if proc.returncode == 0:
            importable.append(t)
    with ThreadPoolExecutor(args.j) as pool:
        outcomes = list(pool.map(lambda t: run_one(args.tlc, os.path.join(args.node_dir, t)),
                                 importable))
    counts = {"pass": 0, "fail": 0, "expected": 0, "skip": 0}
    for test, (status, detail) in zip(importable, outcomes):
        if status == "fail" and test in expected:
            status = "expected"
        elif status == "pass" and test in expected:
            status, detail = "fail", "listed in expected_numeric_failures.txt but passes now"
        counts[status] += 1
        if status == "fail":
            print(f"FAIL {test}: {detail}")
    print(f"ONNX node tests through the runtime: {counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['expected']} expected failures, {counts['skip']} not compilable "
          f"(of {len(importable)} importable)")
    sys.exit(1 if counts["fail"] else 0)


if __name__ == "__main__":
    main()
