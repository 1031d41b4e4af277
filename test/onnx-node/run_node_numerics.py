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

from run_node_tests import load_expected

HERE = os.path.dirname(os.path.abspath(__file__))
ATOL, RTOL = 1e-5, 1e-4


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def bf16_bits_to_float(bits):
    return (np.asarray(bits).astype(np.uint32) << 16).view(np.float32)


def run_one(tlc, test_dir):
    model = os.path.join(test_dir, "model.onnx")
    m = onnx.load(model)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i.name for i in m.graph.input if i.name not in inits]
    bf16 = onnx.TensorProto.BFLOAT16
    bf16_inputs = {i.name for i in m.graph.input
                   if i.type.tensor_type.elem_type == bf16}
    bf16_outputs = {o.name for o in m.graph.output
                    if o.type.tensor_type.elem_type == bf16}
    outputs = [o.name for o in m.graph.output]
    with tempfile.TemporaryDirectory() as work:
        tlb = os.path.join(work, "m.tlb")
        proc = subprocess.run([tlc, "compile", model, "-o", tlb], capture_output=True, text=True)
        if proc.returncode:
            return "skip", "does not compile"
        sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
        for ds in sets:
            args = [tlc, "run", tlb, "--output-dir", os.path.join(work, ds)]
            for i, name in enumerate(inputs):
                value = load_pb(os.path.join(test_dir, ds, f"input_{i}.pb"))
                path = os.path.join(work, f"{ds}_in{i}.npy")
                # ONNX's test data stores bfloat16 as uint16 bits; tlc
                # reads and writes them as 2-byte raw values ('V2').
                if name in bf16_inputs:
                    value = np.asarray(value).astype(np.uint16).view("V2")
                # Not np.ascontiguousarray: it turns a 0-D array into 1-D.
                np.save(path, np.array(value, order="C"))
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
                rtol = RTOL
                if name in bf16_outputs:
                    # One bfloat16 step: tlc rounds to nearest, the data
                    # may truncate.
                    got = bf16_bits_to_float(got.view(np.uint16))
                    want = bf16_bits_to_float(want)
                    rtol = 2.0 ** -7
                if got.dtype == np.bool_ or want.dtype == np.bool_:
                    got, want = got.astype(np.int8), want.astype(np.int8)
                if not np.allclose(got, want, rtol=rtol, atol=ATOL, equal_nan=True):
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
    expected = load_expected(args.expected) if os.path.exists(args.expected) else {}
    tests = sorted(d for d in os.listdir(args.node_dir)
                   if os.path.exists(os.path.join(args.node_dir, d, "model.onnx")))
    # Models tlc cannot import (or compile) are skipped by run_one.
    with ThreadPoolExecutor(args.j) as pool:
        outcomes = list(pool.map(lambda t: run_one(args.tlc, os.path.join(args.node_dir, t)),
                                 tests))
    counts = {"pass": 0, "fail": 0, "expected": 0, "skip": 0}
    for test, (status, detail) in zip(tests, outcomes):
        if status == "fail" and test in expected:
            status = "expected"
        elif status == "pass" and test in expected:
            status, detail = "fail", "listed in expected_numeric_failures.txt but passes now"
        elif status == "skip" and test in expected:
            status, detail = "fail", ("listed in expected_numeric_failures.txt but does "
                                      "not compile now: remove it")
        counts[status] += 1
        if status == "fail":
            print(f"FAIL {test}: {detail}")
    print(f"ONNX node tests through the runtime: {counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['expected']} expected failures "
          f"(of {len(tests) - counts['skip']} that compile; {counts['skip']} do not)")
    sys.exit(1 if counts["fail"] else 0)


if __name__ == "__main__":
    main()
