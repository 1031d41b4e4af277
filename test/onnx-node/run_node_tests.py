#!/usr/bin/env python3
"""Imports every ONNX backend node test and checks the result's output shapes.

For each test under the node-test directory (Debian's libonnx-testdata), runs
`tlc import model.onnx` and classifies it:

  pass         imported, verified, and every result type matches the shape
               of test_data_set_0/output_*.pb
  unsupported  the importer rejected it cleanly: an op outside the supported
               set, an opset outside 1..18, or a variant listed (with its
               reason) in expected_failures.txt
  fail         anything else: a crash, a wrong shape, an error on an op the
               importer claims to support that is not listed as expected

Exits non-zero on any `fail`, and on a listed expected failure that now
passes (so the list cannot go stale). Prints the counts.
"""
import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import onnx
from onnx import numpy_helper  # noqa: F401  (ensures the full package loads)

HERE = os.path.dirname(os.path.abspath(__file__))
UNSUPPORTED_PATTERNS = (
    re.compile(r"unsupported op '"),
    re.compile(r"tlc does not convert at opset"),
    re.compile(r"domain '.*' is not supported"),
    re.compile(r"the model uses opset \d+; tlc imports opsets"),
    re.compile(r"the model imports no default-domain"),
    re.compile(r"graph (input|output) '.*' is not a tensor"),
    re.compile(r"has element type \w+, which tl does not support"),
)


def load_expected(path):
    expected = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                expected[name] = reason.strip()
    return expected


def expected_shapes(test_dir):
    data_dir = os.path.join(test_dir, "test_data_set_0")
    shapes = []
    i = 0
    while os.path.exists(os.path.join(data_dir, f"output_{i}.pb")):
        tensor = onnx.TensorProto()
        with open(os.path.join(data_dir, f"output_{i}.pb"), "rb") as f:
            tensor.ParseFromString(f.read())
        shapes.append(list(tensor.dims))
        i += 1
    return shapes


def result_shapes(mlir_text):
    """Shapes of the results of @main, from its signature line."""
    for line in mlir_text.splitlines():
        if "func.func @main(" in line:
            results = line.split(") -> ", 1)[1]
            shapes = []
            for dims in re.findall(r"tensor<([^>]*)>", results):
                parts = dims.split("x")[:-1]  # drop the element type
                shapes.append([-1 if p == "?" else int(p) for p in parts])
            return shapes
    return None


def run_one(tlc, test_dir):
    model = os.path.join(test_dir, "model.onnx")
    proc = subprocess.run([tlc, "import", model, "--elide-weights=0"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode < 0 or proc.returncode > 2:
        return "crash", f"exit code {proc.returncode}: {proc.stderr.strip()[-300:]}"
    if proc.returncode != 0:
        # Warnings (an opset upgrade) may come first; the error follows.
        err = "\n".join(line for line in proc.stderr.strip().splitlines()
                        if not line.startswith("tlc: warning:"))
        if not err.startswith("tlc: error:"):
            return "fail", f"error without a diagnostic: {err[-300:]}"
        if any(p.search(err) for p in UNSUPPORTED_PATTERNS):
            return "unsupported", err.splitlines()[0]
        return "error", err.splitlines()[0]
    got = result_shapes(proc.stdout)
    want = expected_shapes(test_dir)
    if got is None:
        return "fail", "no @main in the output"
    if len(got) != len(want) or any(
            len(g) != len(w) or any(gd not in (-1, wd) for gd, wd in zip(g, w))
            for g, w in zip(got, want)):
        return "fail", f"result shapes {got}, expected {want}"
    return "pass", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--node-dir", default="/usr/share/libonnx-testdata/data/node")
    parser.add_argument("--expected", default=os.path.join(HERE, "expected_failures.txt"))
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-v", action="store_true", help="print every test")
    args = parser.parse_args()

    expected = load_expected(args.expected)
    tests = sorted(d for d in os.listdir(args.node_dir)
                   if os.path.exists(os.path.join(args.node_dir, d, "model.onnx")))
    if not tests:
        sys.exit(f"no node tests under {args.node_dir}")
    with ThreadPoolExecutor(args.j) as pool:
        outcomes = list(pool.map(lambda t: run_one(args.tlc, os.path.join(args.node_dir, t)), tests))

    counts = {"pass": 0, "unsupported": 0, "fail": 0}
    problems = []
    for test, (status, detail) in zip(tests, outcomes):
        if status == "error" and test in expected:
            status = "unsupported"
        elif status == "error":
            status, detail = "fail", "unexpected import error: " + detail
        elif status == "crash":
            status = "fail"
        elif status == "pass" and test in expected:
            status, detail = "fail", "listed in expected_failures.txt but passes now: remove it"
        counts[status] += 1
        if status == "fail":
            problems.append(f"FAIL {test}: {detail}")
        elif args.v:
            print(f"{status.upper():12} {test} {detail}")
    for p in problems:
        print(p)
    print(f"ONNX node tests: {counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['unsupported']} unsupported (of {len(tests)})")
    sys.exit(1 if counts["fail"] else 0)


if __name__ == "__main__":
    main()
