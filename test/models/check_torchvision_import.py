#!/usr/bin/env python3
"""Imports every torchvision model of export_torchvision.py with `tlc import`.

Exports the models (random weights, cached under --cache) at the given opset,
with a static batch of 1 or a dynamic batch, then checks that each imports,
verifies, and has the expected signature: input [1|?, 3, R, R] and logits
[1|?, 1000]. Prints one line per model and "N passed, M failed".
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_torchvision  # noqa: E402


def signature(mlir_text):
    for line in mlir_text.splitlines():
        if "func.func @main(" in line:
            args, results = line.split(") -> ", 1)
            return (re.findall(r"tensor<([^>]*)>", args),
                    re.findall(r"tensor<([^>]*)>", results))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--opset", type=int, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--static", action="store_true")
    group.add_argument("--dynamic", action="store_true")
    parser.add_argument("--cache", required=True)
    parser.add_argument("--models", default=",".join(export_torchvision.MODELS))
    args = parser.parse_args()

    out_dir = os.path.join(args.cache, f"opset{args.opset}-{'dynamic' if args.dynamic else 'static'}")
    os.makedirs(out_dir, exist_ok=True)
    batch = "?" if args.dynamic else "1"
    passed, failed = 0, 0
    for name in args.models.split(","):
        path = export_torchvision.export(name, out_dir, args.opset, args.dynamic)
        resolution = export_torchvision.MODELS[name][1]
        proc = subprocess.run([args.tlc, "import", path, "--elide-weights=0"],
                              capture_output=True, text=True)
        sig = signature(proc.stdout) if proc.returncode == 0 else None
        want = ([f"{batch}x3x{resolution}x{resolution}xf32"], [f"{batch}x1000xf32"])
        if proc.returncode != 0:
            problem = f"exit {proc.returncode}: {proc.stderr.strip()[:400]}"
        elif sig != want:
            problem = f"signature {sig}, expected {want}"
        else:
            problem = None
        if problem:
            failed += 1
            print(f"FAIL {name}: {problem}", flush=True)
        else:
            passed += 1
            print(f"PASS {name}", flush=True)
    print(f"torchvision opset {args.opset} ({'dynamic' if args.dynamic else 'static'} batch): "
          f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
