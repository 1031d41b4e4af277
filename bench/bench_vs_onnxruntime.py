#!/usr/bin/env python3
"""Times tlc against its peers on the CPU, in one run, interleaved.

For each model and batch size: export (torchvision, random weights, cached),
`tlc compile` once per --precision, then time tlc (in process, through
libtlc.so and runtime/python/tlc_runtime.py) and its peers, all with the same
thread count and the same input:

  ort       ONNX Runtime, CPU execution provider, f32
  ort-int8  ONNX Runtime on a static QDQ int8 model (quantize_static,
            per-channel weights, u8 activations)

tlc-int8 (`--precision int8`) and ort-int8 calibrate on --calib-images
images of --calib-data (Fashion-MNIST's test set, which install-deps
installs): tlc on a seeded sample (`tlc compile --calibrate`), ORT on the
first ones, preprocessed as tlc does (shorter side to 256, a 224 center
crop, ImageNet mean and std).
  ov        OpenVINO with its default settings: bf16 on a CPU with
            AVX512-BF16, which is what a user who picks it gets
  ov-f32    OpenVINO with INFERENCE_PRECISION_HINT=f32
  torch     eager PyTorch (torch.inference_mode)

The engines take turns: each round gives each engine one turn, in a
rotating order, with a pause between turns so that one engine's spinning
worker threads are parked before the next starts; a turn is a warm-up run
and then timed runs for about a quarter of a second. On a shared machine whose speed
drifts by +-20 % over minutes, this pairs every tlc run with peer runs made
under the same conditions; each ratio reported is the median over rounds of
the per-round ratio, with its lowest and highest value.

    .venv/bin/python bench/bench_vs_onnxruntime.py [--threads 2]
        [--models resnet18,resnet50,mobilenet_v2,efficientnet_b0,squeezenet1_1]
        [--batches 1,32] [--precision f32,bf16,int8]
        [--peers ort,ort-int8,ov,ov-f32]
        [--rounds 10] [--busy N] [--json FILE]

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


def openvino_runner(model, threads, x, force_f32):
    """OpenVINO's CPU plugin: its defaults, or with f32 forced."""
    import openvino as ov
    core = ov.Core()
    net = core.read_model(model)
    net.reshape(list(x.shape))
    config = {"INFERENCE_NUM_THREADS": threads}
    if force_f32:
        config["INFERENCE_PRECISION_HINT"] = "f32"
    compiled = core.compile_model(net, "CPU", config)
    request = compiled.create_infer_request()
    return lambda: request.infer({0: x})


def calibration_images(folder, count):
    """The first `count` images of an IDX set (FOLDER-images-idx3-ubyte.gz)
    as tlc preprocesses them: RGB, shorter side 256 (bilinear), a 224 center
    crop, ImageNet mean and std; [count, 3, 224, 224] f32."""
    import gzip
    from PIL import Image
    with gzip.open(folder + "-images-idx3-ubyte.gz") as f:
        raw = f.read()
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    pixels = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, rows, cols)[:count]
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    out = []
    for img in pixels:
        big = np.asarray(Image.fromarray(img).convert("RGB").resize((256, 256),
                                                                   Image.BILINEAR))
        crop = big[16:240, 16:240].astype(np.float32).transpose(2, 0, 1) / 255
        out.append((crop - mean) / std)
    return np.stack(out).astype(np.float32)


def ort_int8_model(model, out, images):
    """A static QDQ int8 copy of `model` (per-channel weights), calibrated on
    `images` in batches of 8."""
    if os.path.exists(out):
        return out
    from onnxruntime import quantization as q

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            name = ort.InferenceSession(model, providers=["CPUExecutionProvider"]) \
                .get_inputs()[0].name
            self.feeds = iter([{name: images[i:i + 8]} for i in range(0, len(images), 8)])

        def get_next(self):
            return next(self.feeds, None)

    prepared = out + ".prep.onnx"
    q.quant_pre_process(model, prepared)
    q.quantize_static(prepared, out, Reader(), quant_format=q.QuantFormat.QDQ,
                      per_channel=True, activation_type=q.QuantType.QUInt8,
                      weight_type=q.QuantType.QInt8)
    os.remove(prepared)
    return out


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


PEERS = ("ort", "ort-int8", "ov", "ov-f32", "torch")
# The ratios each row reports: (numerator engine, denominator engine).
RATIOS = [("tlc-f32", "ort"), ("tlc-f32", "ov-f32"), ("tlc-bf16", "ov"),
          ("tlc-int8", "ort-int8"), ("tlc-int8", "tlc-bf16")]


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
    parser.add_argument("--precision", default="f32",
                        help="tlc's backbone precisions, comma-separated: f32, bf16, int8")
    parser.add_argument("--peers", default="ort,ov,ov-f32",
                        help="comma-separated, of " + ", ".join(PEERS))
    parser.add_argument("--calib-data", default="/usr/share/datasets/fashion-mnist/t10k",
                        help="the IDX images tlc-int8 and ort-int8 calibrate on")
    parser.add_argument("--calib-images", type=int, default=64,
                        help="how many of them (the first)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--busy", type=int, default=0,
                        help="processes that keep a core busy during the run")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.busy < 0:
        parser.error("--busy must not be negative")
    args.precision = args.precision.split(",")
    args.peers = [p for p in args.peers.split(",") if p]
    for p in args.precision:
        if p not in ("f32", "bf16", "int8"):
            parser.error(f"--precision: unknown precision '{p}'")
    for p in args.peers:
        if p not in PEERS:
            parser.error(f"--peers: unknown peer '{p}' (known: {', '.join(PEERS)})")

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
                       "cpu": cpu_name(), "results": results}, f, indent=1)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def peer_runner(peer, name, onnx_path, args, x):
    if peer == "ort":
        return ort_runner(onnx_path, args.threads, x)
    if peer == "ort-int8":
        int8 = ort_int8_model(onnx_path, os.path.join(args.cache, name + ".int8.onnx"),
                              calibration_images(args.calib_data, args.calib_images))
        return ort_runner(int8, args.threads, x)
    if peer in ("ov", "ov-f32"):
        return openvino_runner(onnx_path, args.threads, x, force_f32=peer == "ov-f32")
    return torch_runner(name, args.threads, x)


def measure(args, exported):
    """Times every model and batch; prints a row each; returns them."""
    engines = [f"tlc-{p}" for p in args.precision] + args.peers
    ratios = [(a, b) for a, b in RATIOS if a in engines and b in engines]
    print(f"{cpu_name()}; threads: {args.threads}; busy processes: {args.busy}; "
          f"images/s (median of {args.rounds} interleaved rounds); ratios: median of the "
          "per-round ratios [lowest, highest]")
    header = f"{'model':16} {'batch':>5} " + " ".join(f"{e:>9}" for e in engines) + "  " + \
        "  ".join(f"{a + '/' + b:>25}" for a, b in ratios)
    print(header)
    print("-" * len(header))
    results = []
    for onnx_path in exported:
        name = os.path.splitext(os.path.basename(onnx_path))[0]
        sessions = {}
        for p in args.precision:
            tlb = os.path.join(args.cache, f"{name}.{p}.tlb")
            calibrate = ["--calibrate", args.calib_data, "--calibrate-limit",
                         str(args.calib_images)] if p == "int8" else []
            done = subprocess.run([args.tlc, "compile", onnx_path, "-o", tlb,
                                   "--precision", p] + calibrate,
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"tlc compile {name} --precision {p} failed:\n{done.stderr}")
            sessions[f"tlc-{p}"] = tlc_runtime.Session(tlb, threads=args.threads)
        for batch in map(int, args.batches.split(",")):
            x = np.random.default_rng(0).standard_normal(
                (batch, 3, 224, 224)).astype(np.float32)
            runners = {}
            for engine, session in sessions.items():
                runners[engine] = (lambda s: lambda: s.run({s.input_names[0]: x}))(session)
            for peer in args.peers:
                run = peer_runner(peer, name, onnx_path, args, x)
                if run:
                    runners[peer] = run
            times = time_rounds(runners, args.rounds)
            ips = {e: batch / statistics.median(t) for e, t in times.items()}
            row = {"model": name, "batch": batch, "images_per_s": ips, "ratios": {}}
            cells = []
            for a, b in ratios:
                if a not in times or b not in times:
                    cells.append(f"{'-':>25}")
                    continue
                per_round = [tb / ta for ta, tb in zip(times[a], times[b])]
                r = statistics.median(per_round)
                row["ratios"][f"{a}/{b}"] = {"median": r, "range": [min(per_round),
                                                                    max(per_round)]}
                cells.append(f"{f'{r:.2f} [{min(per_round):.2f}, {max(per_round):.2f}]':>25}")
            print(f"{name:16} {batch:5d} " +
                  " ".join(f"{ips[e]:9.1f}" if e in ips else f"{'-':>9}" for e in engines) +
                  "  " + "  ".join(cells), flush=True)
            results.append(row)
        for session in sessions.values():
            session.close()
    return results


if __name__ == "__main__":
    main()
