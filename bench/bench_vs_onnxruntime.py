#!/usr/bin/env python3
"""Times tlc against ONNX Runtime (and PyTorch where importable) in one run.

For each model and batch size: export (torchvision, random weights, cached),
`tlc compile`, then time tlc (in process, through libtlc.so and
runtime/python/tlc_runtime.py), an ORT CPU session and eager PyTorch
(torch.inference_mode), all with the same thread count and the same input.

The engines take turns: each round gives each engine one turn, in a
rotating order, with a pause between turns so that one engine's spinning
worker threads are parked before the next starts; a turn is a warm-up run
and then timed runs for about a quarter of a second. On a shared machine whose speed
drifts by +-20 % over minutes, this pairs every tlc run with ORT runs made
under the same conditions; the ratio reported is the median over rounds of
the per-round ratio, with its lowest and highest value.

    .venv/bin/python bench/bench_vs_onnxruntime.py [--threads 2]
        [--models resnet18,resnet50,mobilenet_v2,efficientnet_b0,squeezenet1_1]
        [--batches 1,32] [--rounds 10] [--busy N] [--json FILE]

`--busy N` starts N processes that keep a core busy for the whole run (a
server's neighbours: HTTP threads, sidecars, other containers), to see how
each engine shares cores.
"""
import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "runtime", "python"))
import tlc_runtime  # noqa: E402

PAUSE_S = 0.05  # between turns: OpenMP and ORT workers stop spinning
TURN_S = 0.25  # timed runs per turn: at least one, else about this long


def ort_runner(model, threads, x):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return lambda: sess.run(None, {name: x})


def torch_runner(name, threads, x):
    try:
        import torch
        import torchvision
    except ImportError:
        return None
    torch.set_num_threads(threads)
    model = getattr(torchvision.models, name)(weights=None).eval()
    tx = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            model(tx)
    return run


def time_rounds(runners, rounds, warmup=2):
    """runners: {engine: fn}. Returns {engine: [seconds per run, per round]}.

    A turn is one untimed run (the threads wake up), then enough timed runs
    to last about TURN_S; its time is their mean."""
    repeats = {}
    for engine, fn in runners.items():
        for _ in range(warmup):
            start = time.perf_counter()
            fn()
            once = time.perf_counter() - start
        repeats[engine] = max(1, round(TURN_S / once))
    engines = list(runners)
    times = {e: [] for e in engines}
    for r in range(rounds):
        order = engines[r % len(engines):] + engines[:r % len(engines)]
        for engine in order:
            fn = runners[engine]
            time.sleep(PAUSE_S)
            fn()
            start = time.perf_counter()
            for _ in range(repeats[engine]):
                fn()
            times[engine].append((time.perf_counter() - start) / repeats[engine])
    return times


def spin():
    while True:
        pass


@contextlib.contextmanager
def busy_processes(n):
    """N processes, each keeping one core busy, until the block ends."""
    procs = [multiprocessing.Process(target=spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
            p.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", default=os.path.join(ROOT, "build", "bin", "tlc"))
    parser.add_argument("--libtlc", default=None,
                        help="libtlc.so (default: next to --tlc, in ../lib)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--models",
                        default="resnet18,resnet50,mobilenet_v2,efficientnet_b0,squeezenet1_1")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--busy", type=int, default=0,
                        help="processes that keep a core busy during the run")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.busy < 0:
        parser.error("--busy must not be negative")

    libtlc = args.libtlc or os.path.join(os.path.dirname(os.path.abspath(args.tlc)), "..",
                                         "lib", "libtlc.so")
    tlc_runtime.load_library(libtlc)
    os.makedirs(args.cache, exist_ok=True)
    exported = subprocess.run(
        ["/usr/bin/python3", os.path.join(ROOT, "test", "models", "export_torchvision.py"),
         "--out", args.cache, "--opset", "17", "--dynamic-batch", "--models", args.models],
        check=True, capture_output=True, text=True).stdout.split()

    with busy_processes(args.busy):
        results = measure(args, exported)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "busy": args.busy,
                       "results": results}, f, indent=1)


def measure(args, exported):
    """Times every model and batch; prints a row each; returns them."""
    print(f"threads: {args.threads}; busy processes: {args.busy}; images/s (median of {args.rounds} interleaved rounds); "
          "tlc/ORT: median of the per-round ratios [lowest, highest]")
    header = (f"{'model':16} {'batch':>5} {'tlc':>8} {'ORT':>8} {'PyTorch':>8} "
              f"{'tlc/ORT':>8}  {'range':>11}")
    print(header)
    print("-" * len(header))
    results = []
    for onnx_path in exported:
        name = os.path.splitext(os.path.basename(onnx_path))[0]
        tlb = os.path.join(args.cache, name + ".tlb")
        subprocess.run([args.tlc, "compile", onnx_path, "-o", tlb], check=True)
        session = tlc_runtime.Session(tlb, threads=args.threads)
        for batch in map(int, args.batches.split(",")):
            x = np.random.default_rng(0).standard_normal(
                (batch, 3, 224, 224)).astype(np.float32)
            runners = {
                "tlc": lambda: session.run({session.input_names[0]: x}),
                "ort": ort_runner(onnx_path, args.threads, x),
            }
            if not args.no_torch:
                torch_run = torch_runner(name, args.threads, x)
                if torch_run:
                    runners["torch"] = torch_run
            times = time_rounds(runners, args.rounds)
            ips = {e: batch / statistics.median(t) for e, t in times.items()}
            ratios = [o / t for t, o in zip(times["tlc"], times["ort"])]
            ratio = statistics.median(ratios)
            torch_text = f"{ips['torch']:8.1f}" if "torch" in ips else f"{'-':>8}"
            print(f"{name:16} {batch:5d} {ips['tlc']:8.1f} {ips['ort']:8.1f} {torch_text} "
                  f"{ratio:8.2f}  [{min(ratios):.2f}, {max(ratios):.2f}]", flush=True)
            results.append({"model": name, "batch": batch, "images_per_s": ips,
                            "tlc_over_ort": ratio, "ratio_range": [min(ratios), max(ratios)]})
        session.close()
    return results


if __name__ == "__main__":
    main()
