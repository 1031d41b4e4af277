#!/usr/bin/env python3
"""The C ABI gives the same outputs as `tlc run` on the same input."""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--capi-smoke", required=True)
    parser.add_argument("--fixture-script", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    model = os.path.join(args.workdir, "model.onnx")
    tlb = os.path.join(args.workdir, "model.tlb")
    subprocess.run([sys.executable, args.fixture_script, "conv_relu_pool", model], check=True)
    subprocess.run([args.tlc, "compile", model, "-o", tlb], check=True)
    shape = (1, 3, 32, 32)
    x = (0.01 * (np.arange(np.prod(shape)) % 100)).astype(np.float32).reshape(shape)
    np.save(os.path.join(args.workdir, "x.npy"), x)
    subprocess.run([args.tlc, "run", tlb, "--input", f"x={args.workdir}/x.npy",
                    "--output-dir", os.path.join(args.workdir, "out")], check=True)
    want = np.load(os.path.join(args.workdir, "out", "y.npy")).ravel()
    proc = subprocess.run([args.capi_smoke, tlb, *map(str, shape)], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"capi_smoke failed: {proc.stderr}")
    got = np.array([float(v) for v in proc.stdout.split()], np.float32)
    # Thread counts differ (1 vs all cores), so sums may round differently.
    ok = got.shape == want.shape and \
        float(np.abs(got - want).max()) <= 1e-5 * float(np.abs(want).max())
    print(f"C ABI vs tlc run: {int(ok)} passed, {int(not ok)} failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
