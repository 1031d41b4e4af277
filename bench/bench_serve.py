#!/usr/bin/env python3
"""Load test for `tlc serve`: throughput and latency at several concurrency
levels, next to the runtime's offline throughput for the same model.

Starts `tlc serve` on a free loopback port, sends batch-1 requests (the
binary tensor data extension, so JSON encoding does not dominate) from N
client threads with persistent connections for a fixed time per level, and
prints requests/s and p50/p90/p99 latency, with and without dynamic
batching, and `tlc bench` at batch 1 and 32 for comparison.

usage: bench_serve.py --tlc build/bin/tlc --model MODEL.tlb
                      [--input-shape 3x224x224] [--seconds 5]
                      [--concurrency 1,4,16,32]
"""
import argparse
import concurrent.futures
import http.client
import json
import re
import subprocess
import threading
import time

import numpy as np


def offline(tlc, model, input_name, shape, batch):
    out = subprocess.run([tlc, "bench", model, "--input-shape",
                          f"{input_name}={batch}x{'x'.join(map(str, shape))}"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"([0-9.]+) images/s", out).group(1))


def load(port, path, body, headers, concurrency, seconds):
    latencies, errors = [], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                with lock:
                    errors[0] += 1
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(client) for _ in range(concurrency)]:
            f.result()
    elapsed = time.monotonic() - started
    ms = np.array(latencies) * 1000
    return (len(latencies) / elapsed, np.percentile(ms, 50), np.percentile(ms, 90),
            np.percentile(ms, 99), errors[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input-name", default="input")
    parser.add_argument("--input-shape", default="3x224x224", help="one sample")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", default="1,4,16,32")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    shape = [int(d) for d in args.input_shape.split("x")]
    x = np.random.default_rng(0).standard_normal([1] + shape).astype(np.float32)
    header = json.dumps({"inputs": [{"name": args.input_name, "shape": [1] + shape,
                                     "datatype": "FP32",
                                     "parameters": {"binary_data_size": x.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    body = header + x.tobytes()
    headers = {"Inference-Header-Content-Length": str(len(header)),
               "Content-Type": "application/octet-stream"}

    b1 = offline(args.tlc, args.model, args.input_name, shape, 1)
    b32 = offline(args.tlc, args.model, args.input_name, shape, 32)
    print(f"offline (tlc bench): batch 1 {b1:.1f} img/s ({1000 / b1:.2f} ms), "
          f"batch 32 {b32:.1f} img/s")
    print("| batching | concurrency | req/s | p50 ms | p90 ms | p99 ms | errors | vs offline b32 |")
    print("|---|---|---|---|---|---|---|---|")
    for batching in (1, 32):
        server = subprocess.Popen(
            [args.tlc, "serve", "--model", f"m={args.model}", "--port", "0",
             "--workers", "64", "--threads", str(args.threads),
             "--max-batch-size", str(batching), "--batch-timeout-us", "2000", "--log", "none"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline().rsplit(":", 1)[1].split("/")[0])
            for n in [int(c) for c in args.concurrency.split(",")]:
                rps, p50, p90, p99, errors = load(port, "/v2/models/m/infer", body, headers,
                                                  n, args.seconds)
                print(f"| {'max ' + str(batching) if batching > 1 else 'off'} | {n} | "
                      f"{rps:.1f} | {p50:.2f} | {p90:.2f} | {p99:.2f} | {errors} | "
                      f"{rps / b32:.2f} |", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
