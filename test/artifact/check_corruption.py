#!/usr/bin/env python3
"""A damaged artifact is a clean error, never a crash.

Compiles a small model, then runs `tlc run` on copies of the artifact with
one byte flipped (at a spread of offsets, covering the header, tables and
weights) and cut short (at a spread of lengths). Each run must exit 0 (a
flip in weight bytes can be harmless) or 1 with a `tlc: error:` line; a
signal, an abort or any other exit code fails the test.

With --capi-smoke the damaged copies go through the C ABI (capi_smoke)
instead: in the runtime-only build with sanitizers, that is how CI checks
that the verifier never reads out of bounds (ASan's exit code is set apart
from 1 by the test's environment).
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--fixture-script", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--capi-smoke", help="run the artifacts through this C ABI driver")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    model = os.path.join(args.workdir, "model.onnx")
    tlb = os.path.join(args.workdir, "model.tlb")
    subprocess.run([sys.executable, args.fixture_script, "conv_relu_pool", model], check=True)
    subprocess.run([args.tlc, "compile", model, "-o", tlb], check=True)
    x = os.path.join(args.workdir, "x.npy")
    np.save(x, np.ones((1, 3, 32, 32), np.float32))
    good = open(tlb, "rb").read()

    def run(data, label):
        bad = os.path.join(args.workdir, "bad.tlb")
        with open(bad, "wb") as f:
            f.write(data)
        if args.capi_smoke:
            command, clean = [args.capi_smoke, bad, "1", "3", "32", "32"], ("load: ", "run: ")
        else:
            command = [args.tlc, "run", bad, "--input", f"x={x}", "--output-dir",
                       os.path.join(args.workdir, "out")]
            clean = ("tlc: error:",)
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              timeout=120)
        if proc.returncode == 0:
            return "ok"
        if proc.returncode == 1 and proc.stderr.startswith(clean):
            return "error"
        print(f"FAIL {label}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
        return "crash"

    outcomes = {"ok": 0, "error": 0, "crash": 0}
    step = max(1, len(good) // 400)
    for offset in range(0, len(good), step):
        data = bytearray(good)
        data[offset] ^= 0xFF
        outcomes[run(bytes(data), f"byte {offset} flipped")] += 1
    for length in range(0, len(good), max(1, len(good) // 100)):
        outcomes[run(good[:length], f"cut to {length} bytes")] += 1
    if run(good, "intact") != "ok":
        print("FAIL the intact artifact does not run")
        outcomes["crash"] += 1
    print(f"artifact corruption: {outcomes['ok'] + outcomes['error']} passed, "
          f"{outcomes['crash']} failed ({outcomes['error']} rejected cleanly, "
          f"{outcomes['ok']} harmless)")
    sys.exit(1 if outcomes["crash"] else 0)


if __name__ == "__main__":
    main()
