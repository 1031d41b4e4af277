#!/usr/bin/env python3
"""tlc-serve against the KServe v2 / Open Inference Protocol, as a client
sees it.

Starts `tlc serve` on a free port with two models (a small net and a
trained head on it) and checks: health and metadata (-1 for dynamic dims),
JSON inference (flat and nested data, `id` echoed, `outputs` chosen) equal
to `tlc run` on the same input (max |diff| <= 1e-5 x max|ref|), the binary
tensor data extension both ways, concurrent requests with dynamic batching
equal to single ones, /classify with the trained head's class names, and
the errors: 400 (bad JSON, shape, datatype, size), 404 (model, route),
411 (chunked), 415 (Content-Encoding), 413 (too large); /metrics; reloads
(a broken artifact keeps the old model; SIGHUP and the repository endpoint
under load); SIGTERM with requests in flight; on a model slow enough
(heavy_convs, ~10-50 ms a request) that requests pile up: a full queue
answers 503 QUEUE_FULL, a per-request timeout 503 TIMEOUT (and timed-out
requests still queued are not run), clients that disconnect mid-body or
before their answer cost nothing. Prints one line per check and "N passed,
M failed".
"""
import argparse
import concurrent.futures
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402

RTOL = 1e-5


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        result = (r.status, dict(r.getheaders()), data)
        conn.close()
        return result

    def json(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        status, _, data = self.request(method, path, body,
                                       {"Content-Type": "application/json"} if body else None)
        return status, json.loads(data) if data else None


def raw_infer(model, x):
    """The bytes of a binary-extension /infer request for `x`."""
    header = json.dumps({
        "inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP32",
                    "parameters": {"binary_data_size": x.nbytes}}],
        "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
    body = header + x.tobytes()
    return (f"POST /v2/models/{model}/infer HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Length: {len(body)}\r\nInference-Header-Content-Length: {len(header)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


def burst(port, request, n):
    """Sends `request` on `n` connections so that they arrive together:
    everything but the last byte first, then the last bytes back to back.
    Returns (status, headers, body) per connection."""
    socks = []
    for _ in range(n):
        sk = socket.create_connection(("127.0.0.1", port), timeout=60)
        sk.sendall(request[:-1])
        socks.append(sk)
    time.sleep(0.2)  # every body but one byte is in the server's hands
    for sk in socks:
        sk.sendall(request[-1:])
    answers = []
    for sk in socks:
        data = b""
        while chunk := sk.recv(1 << 16):
            data += chunk
        sk.close()
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        answers.append((int(lines[0].split()[1]) if head else 0, headers, body))
    return answers


def metric(text, name, **labels):
    """The value of one Prometheus sample (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape == b.shape and np.max(np.abs(a - b)) <= RTOL * max(1.0, np.max(np.abs(b)))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--fixture-script", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--serve", help="the tlc-serve to test (default: `tlc serve`), "
                        "e.g. one built with sanitizers; --tlc still compiles and runs")
    args = parser.parse_args()
    serve_cmd = [args.serve] if args.serve else [args.tlc, "serve"]
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    c = Checks()

    # A small net (conv_relu_pool: x [1, 3, 32, 32] -> y [1, 10]) and the same
    # net cut, with a trained two-class head, for /classify.
    onnx_path = os.path.join(work, "net.onnx")
    subprocess.run([sys.executable, args.fixture_script, "conv_relu_pool", onnx_path], check=True)
    net = os.path.join(work, "net.tlb")
    dynamic = "--input-shape=x=?x3x32x32"  # a batch the server can grow
    subprocess.run([args.tlc, "compile", onnx_path, "-o", net, dynamic], check=True)
    head = os.path.join(work, "head.tlb")
    subprocess.run([args.tlc, "compile", onnx_path, "-o", head, dynamic, "--cut", "auto",
                    "--head", "linear:2"], check=True)
    folder = os.path.join(work, "images")
    rng = np.random.default_rng(0)
    for cls, level in (("dark", 30), ("light", 225)):
        os.makedirs(os.path.join(folder, cls))
        for i in range(8):
            px = np.clip(rng.normal(level, 15, (40, 40, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(px).save(os.path.join(folder, cls, f"{i}.png"))
    trained = os.path.join(work, "trained.tlb")
    subprocess.run([args.tlc, "train", head, "--data", folder, "-o", trained, "--no-cache",
                    "--epochs", "60", "--lr", "0.05", "--val-split", "0"],
                   check=True, capture_output=True)

    server = subprocess.Popen(
        [*serve_cmd, "--model", f"net={net}", "--model", f"shapes={trained}",
         "--port", "0", "--max-batch-size", "8", "--batch-timeout-us", "20000",
         "--max-body-mb", "1", "--workers", "8"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        cl = Client(port)

        s, body = cl.json("GET", "/v2/health/live")
        c.expect("live", s == 200 and body == {"live": True}, body)
        s, body = cl.json("GET", "/v2/health/ready")
        c.expect("ready", s == 200 and body["ready"], body)
        s, body = cl.json("GET", "/v2")
        c.expect("server metadata lists the binary extension",
                 s == 200 and "binary_tensor_data" in body["extensions"], body)
        s, body = cl.json("GET", "/v2/models/shapes")
        c.expect("model metadata: -1 for a dynamic dim",
                 s == 200 and body["inputs"][0]["shape"] == [-1, 3, 32, 32] and
                 body["outputs"][0]["name"] == "logits", body)
        s, body = cl.json("GET", "/v2/models/net/ready")
        c.expect("model ready", s == 200 and body["ready"], body)

        # JSON inference against tlc run.
        x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
        np.save(os.path.join(work, "x.npy"), x)
        subprocess.run([args.tlc, "run", net, "--input", f"x={work}/x.npy", "--output-dir",
                        os.path.join(work, "out")], check=True)
        ref = np.load(os.path.join(work, "out", "y.npy"))
        s, body = cl.json("POST", "/v2/models/net/infer", {
            "id": "req-1",
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                        "data": x.flatten().tolist()}]})
        c.expect("infer (flat data) equals tlc run, id echoed",
                 s == 200 and body["id"] == "req-1" and
                 close(np.array(body["outputs"][0]["data"]).reshape(1, 10), ref),
                 s if s != 200 else "")
        s, body = cl.json("POST", "/v2/models/net/infer", {
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                        "data": x.tolist()}],
            "outputs": [{"name": "y"}]})
        c.expect("infer (nested data, outputs chosen)",
                 s == 200 and body["outputs"][0]["shape"] == [1, 10] and
                 close(np.array(body["outputs"][0]["data"]).reshape(1, 10), ref), s)

        # The binary tensor data extension, both ways.
        header = json.dumps({
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                        "parameters": {"binary_data_size": x.nbytes}}],
            "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
        s, h, data = cl.request("POST", "/v2/models/net/infer", header + x.tobytes(),
                                {"Inference-Header-Content-Length": str(len(header)),
                                 "Content-Type": "application/octet-stream"})
        ok = s == 200 and "Inference-Header-Content-Length" in h
        if ok:
            n = int(h["Inference-Header-Content-Length"])
            meta = json.loads(data[:n])
            y = np.frombuffer(data[n:], np.float32).reshape(meta["outputs"][0]["shape"])
            ok = meta["outputs"][0]["parameters"]["binary_data_size"] == 40 and close(y, ref)
        c.expect("binary tensor data in and out", ok, s)

        # Concurrent requests, batched dynamically, equal single ones.
        xs = [rng.standard_normal((1, 3, 32, 32)).astype(np.float32) for _ in range(16)]
        def infer(xi):
            return cl.json("POST", "/v2/models/shapes/infer", {
                "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                            "data": xi.flatten().tolist()}],
                "outputs": [{"name": "logits"}]})
        singles = [infer(xi)[1]["outputs"][0]["data"] for xi in xs[:4]]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            together = list(pool.map(infer, xs))
        c.expect("16 concurrent requests (batched) all succeed",
                 all(s == 200 for s, _ in together))
        c.expect("batched results equal single-request results",
                 all(close(together[i][1]["outputs"][0]["data"], singles[i]) for i in range(4)))

        # /classify with the trained head.
        buf = io.BytesIO()
        Image.open(os.path.join(folder, "light", "0.png")).save(buf, "PNG")
        s, _, data = cl.request("POST", "/v2/models/shapes/classify?top_k=1", buf.getvalue(),
                                {"Content-Type": "image/png"})
        body = json.loads(data)
        c.expect("classify names the class", s == 200 and body["top"][0]["class"] == "light",
                 body)
        s, body = cl.json("POST", "/v2/models/net/classify", None)
        c.expect("classify without a trained head is a 400", s == 400 and "error" in body, body)

        # Errors.
        bad = {"inputs": [{"name": "x", "shape": [1, 3, 32, 31], "datatype": "FP32",
                           "data": [0.0] * (3 * 32 * 31)}]}
        s, body = cl.json("POST", "/v2/models/net/infer", bad)
        c.expect("a wrong shape is a 400 naming it", s == 400 and "31" in body["error"], body)
        s, body = cl.json("POST", "/v2/models/net/infer", {
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "INT64",
                        "data": [0] * 3072}]})
        c.expect("a wrong datatype is a 400", s == 400 and "FP32" in body["error"], body)
        s, body = cl.json("POST", "/v2/models/net/infer", {
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                        "data": [0.0] * 5}]})
        c.expect("too few values is a 400", s == 400 and "3072" in body["error"], body)
        s, _, data = cl.request("POST", "/v2/models/net/infer", b"{not json",
                                {"Content-Type": "application/json"})
        c.expect("bad JSON is a 400", s == 400 and b"error" in data, data[:100])
        s, body = cl.json("POST", "/v2/models/nope/infer", {"inputs": []})
        c.expect("an unknown model is a 404", s == 404 and "nope" in body["error"], body)
        s, _, data = cl.request("GET", "/v3/whatever")
        c.expect("an unknown route is a 404 with an error", s == 404 and b"error" in data)
        s, _, data = cl.request("POST", "/v2/models/net/infer", b"{}",
                                {"Content-Encoding": "gzip"})
        c.expect("Content-Encoding is refused (415)", s == 415, data[:100])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("POST", "/v2/models/net/infer")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"2\r\n{}\r\n0\r\n\r\n")
        r = conn.getresponse()
        c.expect("chunked bodies are refused (411)", r.status == 411, r.status)
        conn.close()
        s, _, _ = cl.request("POST", "/v2/models/net/infer", b"x" * (2 << 20),
                             {"Content-Type": "application/json"})
        c.expect("a body over --max-body-mb is a 413", s == 413, s)
        # 100,000 levels of nesting in 200 KB: once a stack overflow in the
        # server's walk over the data; now a 400 before any walk, in the
        # data or in the echoed id, and the server keeps serving.
        for deep in (b'{"id": ' + b"[" * 100000 + b"]" * 100000 + b', "inputs": []}',
                     b'{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": '
                     + b"[" * 100000 + b"1" + b"]" * 100000 + b"}]}"):
            s, _, data = cl.request("POST", "/v2/models/net/infer", deep,
                                    {"Content-Type": "application/json"})
            c.expect("JSON nested 100,000 deep is a 400", s == 400 and b"nests deeper" in data,
                     (s, data[:100]))
        s, body = cl.json("GET", "/v2/health/live")
        c.expect("still live after the bad requests", s == 200, body)

        # Prometheus metrics in Triton's names; `shapes` has answered 4
        # single, 16 batched and 1 classify request.
        s, _, data = cl.request("GET", "/metrics")
        text = data.decode()
        c.expect("/metrics counts successes, failures by reason and batches",
                 s == 200 and 'nv_inference_request_success{model="shapes",version="1"} 21' in text
                 and 'reason="BAD_REQUEST"' in text and "nv_inference_exec_count" in text,
                 [l for l in text.splitlines() if l.startswith("nv_inference_request")][:4])
        # The plan cache: `shapes` ran batches of several sizes, each a plan.
        plans = re.search(r'tlc_plan_cache_plans\{model="shapes",version="1"\} (\d+)', text)
        c.expect("/metrics reports the plan cache",
                 plans is not None and int(plans.group(1)) >= 1
                 and 'tlc_plan_cache_budget_bytes{model="shapes",version="1"} 2147483648' in text
                 and "tlc_prepared_weight_bytes" in text,
                 [l for l in text.splitlines() if l.startswith("tlc_")][:6])

        # Reload: a broken artifact keeps the old model serving; a good one
        # (SIGHUP or the repository endpoint) replaces it, under load.
        shutil.copy(net, net + ".good")
        with open(net, "wb") as f:
            f.write(b"not an artifact")
        s, body = cl.json("POST", "/v2/repository/models/net/load", {})
        c.expect("a failed reload is an error", s == 400 and "old model keeps" in body["error"],
                 body)
        s, body = cl.json("POST", "/v2/models/net/infer", {
            "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                        "data": x.flatten().tolist()}]})
        c.expect("the old model still serves", s == 200 and
                 close(np.array(body["outputs"][0]["data"]).reshape(1, 10), ref), s)
        shutil.copy(net + ".good", net)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            load = [pool.submit(infer, xi) for xi in xs]
            time.sleep(0.05)
            server.send_signal(signal.SIGHUP)
            s, body = cl.json("POST", "/v2/repository/models/shapes/load", {})
            under_load = [f.result()[0] for f in load]
        c.expect("reload under load: every request answered 200",
                 s == 200 and all(code == 200 for code in under_load), (s, under_load))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    c.expect("SIGTERM stops the server cleanly", server.returncode == 0, server.returncode)

    # SIGTERM with requests in flight: they wait in the batching queue
    # (a long batch timeout), the server is told to stop, none is lost.
    server = subprocess.Popen(
        [*serve_cmd, "--model", f"net={net}", "--port", "0",
         "--max-batch-size", "64", "--batch-timeout-us", "400000", "--workers", "16"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(server.stdout.readline().rsplit(":", 1)[1].split("/")[0])
    cl = Client(port)
    def infer_net(xi):
        try:
            return cl.json("POST", "/v2/models/net/infer", {
                "inputs": [{"name": "x", "shape": [1, 3, 32, 32], "datatype": "FP32",
                            "data": xi.flatten().tolist()}]})[0]
        except OSError as e:
            return str(e)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        inflight = [pool.submit(infer_net, xi) for xi in xs[:8]]
        time.sleep(0.15)
        server.terminate()
        codes = [f.result() for f in inflight]
    server.wait(timeout=20)
    c.expect("SIGTERM with 8 requests in flight: all answered 200, then a clean exit",
             codes == [200] * 8 and server.returncode == 0, (codes, server.returncode))

    # A model slow enough that requests pile up: the queue's bound, the
    # per-request timeout, and clients that go away.
    heavy_onnx = os.path.join(work, "heavy.onnx")
    subprocess.run([sys.executable, args.fixture_script, "heavy_convs", heavy_onnx], check=True)
    heavy = os.path.join(work, "heavy.tlb")
    subprocess.run([args.tlc, "compile", heavy_onnx, "-o", heavy, "--input-shape=x=?x3x64x64"],
                   check=True)
    xh = rng.standard_normal((1, 3, 64, 64)).astype(np.float32)
    np.save(os.path.join(work, "xh.npy"), xh)
    subprocess.run([args.tlc, "run", heavy, "--input", f"x={work}/xh.npy", "--output-dir",
                    os.path.join(work, "out-heavy")], check=True)
    ref_heavy = np.load(os.path.join(work, "out-heavy", "y.npy"))
    request = raw_infer("heavy", xh)

    def start(*extra):
        proc = subprocess.Popen([*serve_cmd, "--model", f"heavy={heavy}", "--port", "0",
                                 "--workers", "16", "--max-batch-size", "1", *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc, int(proc.stdout.readline().rsplit(":", 1)[1].split("/")[0])

    def binary_output(headers, body):
        n = int(headers["Inference-Header-Content-Length"])
        return np.frombuffer(body[n:], np.float32)

    def stop(proc):
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return proc.returncode

    server, port = start("--max-queue", "1")
    try:
        cl = Client(port)
        burst(port, request, 1)  # plans the shape
        answers = burst(port, request, 8)
        codes = sorted(code for code, _, _ in answers)
        full = [b for code, _, b in answers if code == 503]
        c.expect("a full queue (--max-queue 1, 8 at once): the rest are 503 QUEUE_FULL",
                 set(codes) <= {200, 503} and len(full) >= 4 and
                 all(b"requests waiting" in b for b in full), codes)
        c.expect("the requests the queue took are answered correctly",
                 all(close(binary_output(h, b), ref_heavy.ravel())
                     for code, h, b in answers if code == 200), codes)
        s, _, data = cl.request("GET", "/metrics")
        text = data.decode()
        c.expect("/metrics: one QUEUE_FULL failure per 503, nothing counted twice",
                 metric(text, "nv_inference_request_failure", model="heavy",
                        reason="QUEUE_FULL") == len(full) and
                 metric(text, "nv_inference_request_failure", model="heavy",
                        reason="UNAVAILABLE") == 0,
                 [l for l in text.splitlines() if "failure{" in l])
        # Clients that go away: mid-body, and after sending, before the answer.
        for _ in range(10):
            sk = socket.create_connection(("127.0.0.1", port))
            sk.sendall(request[:len(request) // 2])
            sk.close()
            sk = socket.create_connection(("127.0.0.1", port))
            sk.sendall(request)
            sk.close()
        time.sleep(0.5)
        answers = burst(port, request, 1)
        c.expect("20 clients that disconnected mid-request: the server still answers",
                 answers[0][0] == 200 and close(binary_output(*answers[0][1:]), ref_heavy.ravel()),
                 answers[0][0])
    finally:
        code = stop(server)
    c.expect("after the disconnects, SIGTERM still exits cleanly", code == 0, code)

    server, port = start("--request-timeout-ms", "2")
    try:
        answers = burst(port, request, 4)
        s, _, data = Client(port).request("GET", "/metrics")
        text = data.decode()
        c.expect("--request-timeout-ms: requests that wait too long are 503 TIMEOUT",
                 [code for code, _, _ in answers] == [503] * 4 and
                 all(b"did not answer within 2 ms" in b for _, _, b in answers) and
                 metric(text, "nv_inference_request_failure", model="heavy",
                        reason="TIMEOUT") == 4,
                 [code for code, _, _ in answers])
        time.sleep(0.5)
        s, _, data = Client(port).request("GET", "/metrics")
        executed = metric(data.decode(), "nv_inference_exec_count", model="heavy")
        c.expect("timed-out requests still in the queue are not run",
                 1 <= executed < 4, executed)
    finally:
        stop(server)

    bad_model = subprocess.run([*serve_cmd, os.path.join(work, "missing.tlb")],
                               capture_output=True, text=True, timeout=30)
    c.expect("a missing artifact is an error at start", bad_model.returncode == 1 and
             "missing.tlb" in bad_model.stderr, bad_model.stderr.strip())
    c.finish()


if __name__ == "__main__":
    main()
