#!/usr/bin/env python3
"""The C ABI gives the same outputs as `tlc run` on the same input: from C
(capi_smoke, linked with libtlc.so) and, with --libtlc, from Python through
runtime/python/tlc_runtime.py. libtlc.so exports the tlc_* functions only."""
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
    parser.add_argument("--libtlc", help="libtlc.so, for the ctypes binding's checks")
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
    checks = {"C program vs tlc run": close(got, want)}
    if args.libtlc:
        checks.update(check_python_binding(args.libtlc, tlb, x, want))
    failed = [name for name, ok in checks.items() if not ok]
    for name in failed:
        print(f"FAIL: {name}")
    print(f"C ABI: {len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def close(got, want):
    # Thread counts differ (1 vs all cores), so sums may round differently.
    return got.shape == want.shape and \
        float(np.abs(got - want).max()) <= 1e-5 * float(np.abs(want).max())


def check_python_binding(libtlc, tlb, x, want):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "runtime", "python"))
    import tlc_runtime
    tlc_runtime.load_library(libtlc)
    checks = {}
    exported = subprocess.run(["nm", "-D", "--defined-only", libtlc], check=True,
                              capture_output=True, text=True).stdout.split("\n")
    names = [line.split()[-1].split("@")[0] for line in exported if line.strip()]
    stray = [n for n in names if not n.startswith("tlc_") and n != "TLC_1"]
    checks[f"libtlc.so exports only tlc_* ({len(names) - 1} symbols; stray: {stray[:5]})"] = \
        not stray and "tlc_session_run_f32" in names
    with tlc_runtime.Session(tlb, threads=1) as session:
        checks["python: port names"] = session.input_names == ["x"] and \
            session.output_names == ["y"]
        out = session.run({"x": x})
        checks["python: output equals tlc run"] = close(out["y"].ravel(), want)
        # A float64, Fortran-ordered input is converted, not misread.
        out = session.run({"x": np.asfortranarray(x.astype(np.float64))})
        checks["python: converted input"] = close(out["y"].ravel(), want)
        for label, feeds, needle in [
                ("unknown input", {"z": x}, "no input named 'z'"),
                ("wrong shape", {"x": x[:, :2]}, "has shape [1, 2, 32, 32]"),
                ("missing input", {}, "'x' is missing")]:
            try:
                session.run(feeds)
                checks[f"python: {label} is an error"] = False
            except tlc_runtime.TlcError as e:
                checks[f"python: {label} is an error ({e})"] = needle in str(e)
    try:
        tlc_runtime.Session(tlb + ".missing")
        checks["python: a missing artifact is an error"] = False
    except tlc_runtime.TlcError as e:
        checks[f"python: a missing artifact is an error ({e})"] = e.status != 0
    return checks


if __name__ == "__main__":
    main()
