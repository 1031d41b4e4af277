#!/usr/bin/env python3
"""Load test for `tlc serve`: throughput and latency at several concurrency
levels, next to the runtime's offline throughput for the same model.

Starts `tlc serve` on a free loopback port and sends batch-1 requests (the
binary tensor data extension, so JSON encoding does not dominate) from N
persistent connections for a fixed time per level, with and without
dynamic batching; prints requests/s and p50/p90/p99 latency, and `tlc
bench` at batch 1 and 32 with the same threads on the same cores.

The load comes from `wrk` (Debian's, C and epoll; scripts/install-deps
installs it) or, without it, from Python threads, which cost more CPU and
add their own tail. On a small machine the client competes with the server
for cores: `--pin` gives the server (and the offline reference) the last
--server-cores cores and the client the others, so both sides of every
ratio run on the same resources.

usage: bench_serve.py --tlc build/bin/tlc --model MODEL.tlb
                      [--input-name input] [--input-shape 3x224x224]
                      [--seconds 5] [--concurrency 1,4,16,32] [--pin]
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import numpy as np

WRK_SCRIPT = """
local f = assert(io.open(os.getenv("TLC_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Inference-Header-Content-Length"] = os.getenv("TLC_BENCH_HEADER_LENGTH")
"""


def pinned(cores, command):
    return ["taskset", "-c", cores, *command] if cores else command


def offline(args, shape, batch, cores, iterations):
    """`tlc bench`: (images/s, median ms, p99 ms)."""
    out = subprocess.run(pinned(cores, [args.tlc, "bench", args.model, "--json", "--threads",
                                        str(args.threads), "--iterations", str(iterations),
                                        "--input-shape",
                                        f"{args.input_name}={batch}x{'x'.join(map(str, shape))}"]),
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    return r["images_per_s"], r["median_ms"], r["p99_ms"]


def wrk_ms(text):
    value, unit = re.match(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def load_wrk(port, path, body_file, header_length, concurrency, seconds, cores, script):
    env = dict(os.environ, TLC_BENCH_BODY=body_file,
               TLC_BENCH_HEADER_LENGTH=str(header_length))
    threads = min(concurrency, 2)
    out = subprocess.run(pinned(cores, ["wrk", "-t", str(threads), "-c", str(concurrency),
                                        "-d", f"{max(1, round(seconds))}s", "--latency", "-s", script,
                                        f"http://127.0.0.1:{port}{path}"]),
                         capture_output=True, text=True, env=env, check=True).stdout
    pct = {p: wrk_ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rps, pct["50"], pct["90"], pct["99"], errors


def load_python(port, path, body, headers, concurrency, seconds):
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


def counters(port):
    """The server's cumulative counters from /metrics, by metric name."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    out = {}
    for name, value in re.findall(r"^(nv_inference_\w+)\{[^}]*\} (\d+)", text, re.M):
        out[name] = out.get(name, 0) + int(value)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input-name", default="input")
    parser.add_argument("--input-shape", default="3x224x224", help="one sample")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", default="1,4,16,32")
    parser.add_argument("--threads", type=int, default=0,
                        help="compute threads (0: one per core the server may use)")
    parser.add_argument("--pin", action="store_true",
                        help="server and offline on the last --server-cores cores, client on "
                             "the rest")
    parser.add_argument("--server-cores", type=int, default=0,
                        help="with --pin (default: half the cores, at least 1)")
    parser.add_argument("--client", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    shape = [int(d) for d in args.input_shape.split("x")]

    cores = sorted(os.sched_getaffinity(0))
    server_cores = client_cores = ""
    if args.pin:
        if len(cores) < 2:
            parser.error("--pin needs at least 2 cores")
        n = args.server_cores or max(1, len(cores) // 2)
        server_cores = ",".join(map(str, cores[-n:]))
        client_cores = ",".join(map(str, cores[:-n]))
        if not args.threads:
            args.threads = n
    if not args.threads:
        args.threads = len(cores)

    x = np.random.default_rng(0).standard_normal([1] + shape).astype(np.float32)
    header = json.dumps({"inputs": [{"name": args.input_name, "shape": [1] + shape,
                                     "datatype": "FP32",
                                     "parameters": {"binary_data_size": x.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    body = header + x.tobytes()
    headers = {"Inference-Header-Content-Length": str(len(header)),
               "Content-Type": "application/octet-stream"}
    work = tempfile.mkdtemp(prefix="tlc-bench-serve-")
    body_file = os.path.join(work, "body.bin")
    with open(body_file, "wb") as f:
        f.write(body)
    script = os.path.join(work, "infer.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)

    b1, b1_ms, b1_p99 = offline(args, shape, 1, server_cores, 200)
    b32, _, _ = offline(args, shape, 32, server_cores, 10)
    where = (f"server on cores {server_cores}, client ({args.client}) on {client_cores}"
             if args.pin else f"server and client ({args.client}) share {len(cores)} cores")
    print(f"{where}; {args.threads} compute thread(s)")
    print(f"offline (tlc bench, same cores and threads): batch 1 {b1:.1f} img/s "
          f"(median {b1_ms:.2f} ms, p99 {b1_p99:.2f} ms), batch 32 {b32:.1f} img/s")
    print("Server side (from /metrics): mean batch, compute ms per batch, and the share of "
          "the wall time spent computing.")
    print("| batching | concurrency | req/s | p50 ms | p90 ms | p99 ms | p99 - offline b1 p99 ms | "
          "errors | mean batch | compute ms | busy | vs offline b32 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for batching in (1, 32):
        server = subprocess.Popen(
            pinned(server_cores, [args.tlc, "serve", "--model", f"m={args.model}", "--port", "0",
                                  "--workers", "64", "--threads", str(args.threads),
                                  "--max-batch-size", str(batching), "--batch-timeout-us",
                                  "2000", "--log", "none"]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline().rsplit(":", 1)[1].split("/")[0])
            path = "/v2/models/m/infer"
            # Plan every batch size the server will use before timing.
            load_python(port, path, body, headers, 32 if batching > 1 else 1, 1.0)
            for n in [int(c) for c in args.concurrency.split(",")]:
                before, started = counters(port), time.monotonic()
                if args.client == "wrk":
                    rps, p50, p90, p99, errors = load_wrk(port, path, body_file, len(header), n,
                                                          args.seconds, client_cores, script)
                else:
                    rps, p50, p90, p99, errors = load_python(port, path, body, headers, n,
                                                             args.seconds)
                wall = time.monotonic() - started
                after = counters(port)
                delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                runs = max(1, delta["nv_inference_exec_count"])
                print(f"| {'max ' + str(batching) if batching > 1 else 'off'} | {n} | "
                      f"{rps:.1f} | {p50:.2f} | {p90:.2f} | {p99:.2f} | {p99 - b1_p99:.2f} | "
                      f"{errors} | {delta['nv_inference_count'] / runs:.1f} | "
                      f"{delta['nv_inference_compute_infer_duration_us'] / runs / 1000:.2f} | "
                      f"{delta['nv_inference_compute_infer_duration_us'] / 1e6 / wall:.0%} | "
                      f"{rps / b32:.2f} |", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
