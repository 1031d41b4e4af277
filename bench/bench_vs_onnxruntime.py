#!/usr/bin/env python3
"""Times tlc against ONNX Runtime (and PyTorch where importable) in one run.

For each model and batch size: export (torchvision, random weights, cached),
`tlc compile`, then images/s of `tlc bench`, of an ORT CPU session and of
eager PyTorch (torch.inference_mode), all with the same thread count. Prints
a table with the tlc/ORT ratio.

    .venv/bin/python bench/bench_vs_onnxruntime.py [--threads 2]
        [--models resnet18,resnet50,mobilenet_v2,efficientnet_b0,squeezenet1_1]
        [--batches 1,32] [--iterations 10]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def median_seconds(fn, iterations, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_ort(model, batch, threads, iterations):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((batch, 3, 224, 224)).astype(np.float32)
    name = sess.get_inputs()[0].name
    return batch / median_seconds(lambda: sess.run(None, {name: x}), iterations)


def bench_torch(name, batch, threads, iterations):
    try:
        import torch
        import torchvision
    except ImportError:
        return None
    torch.set_num_threads(threads)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(batch, 3, 224, 224)
    with torch.inference_mode():
        return batch / median_seconds(lambda: model(x), iterations)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", default=os.path.join(ROOT, "build", "bin", "tlc"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--models",
                        default="resnet18,resnet50,mobilenet_v2,efficientnet_b0,squeezenet1_1")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()

    os.makedirs(args.cache, exist_ok=True)
    exported = subprocess.run(
        ["/usr/bin/python3", os.path.join(ROOT, "test", "models", "export_torchvision.py"),
         "--out", args.cache, "--opset", "17", "--dynamic-batch", "--models", args.models],
        check=True, capture_output=True, text=True).stdout.split()

    print(f"threads: {args.threads}; images/s, median of {args.iterations} runs")
    header = f"{'model':18} {'batch':>5} {'tlc':>9} {'ORT':>9} {'PyTorch':>9} {'tlc/ORT':>8}"
    print(header)
    print("-" * len(header))
    for onnx_path in exported:
        name = os.path.splitext(os.path.basename(onnx_path))[0]
        tlb = os.path.join(args.cache, name + ".tlb")
        subprocess.run([args.tlc, "compile", onnx_path, "-o", tlb], check=True)
        for batch in map(int, args.batches.split(",")):
            iterations = max(3, args.iterations // (4 if batch > 8 else 1))
            out = subprocess.run(
                [args.tlc, "bench", tlb, f"--input-shape=input={batch}x3x224x224",
                 f"--threads={args.threads}", f"--iterations={iterations}", "--json"],
                check=True, capture_output=True, text=True).stdout
            tlc = json.loads(out)["images_per_s"]
            ref = bench_ort(onnx_path, batch, args.threads, iterations)
            torch_ips = None if args.no_torch else bench_torch(name, batch, args.threads, iterations)
            torch_text = f"{torch_ips:9.1f}" if torch_ips else f"{'-':>9}"
            print(f"{name:18} {batch:5d} {tlc:9.1f} {ref:9.1f} {torch_text} {tlc / ref:8.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
