#!/usr/bin/env python3
"""Regenerates the seed corpora of the fuzz targets other than `artifact`
(which has make_artifact_corpus.sh): npy, image, request, dataset, onnx.
Each seed is small (the fuzzer mutates every byte) and deterministic.

    .venv/bin/python test/fuzz/make_corpora.py
"""
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
RNG = np.random.default_rng(0)


def out_dir(name):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    return d


def save(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def npy():
    d = out_dir("npy")
    arrays = {
        "f32_2x3": RNG.standard_normal((2, 3)).astype(np.float32),
        "f64_4": np.arange(4, dtype=np.float64),
        "i64_scalar": np.array(7, dtype=np.int64),
        "i32_2x2x2": np.arange(8, dtype=np.int32).reshape(2, 2, 2),
        "u8_5": np.arange(5, dtype=np.uint8),
        "bool_3": np.array([True, False, True]),
        "f16_2": np.array([1.5, -2], dtype=np.float16),
        "empty_0x3": np.zeros((0, 3), np.float32),
        "fortran_2x3": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "bigendian_2": np.array([1, 2], dtype=">i4"),
    }
    for name, a in arrays.items():
        save(d, name + ".npy", npy_bytes(a))
    for compressed in (False, True):
        buf = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(
            buf, features=arrays["f32_2x3"], labels=np.array([0, 1], np.int64))
        save(d, f"pair{'_deflated' if compressed else ''}.npz", buf.getvalue())
    # A zip entry that claims far more than it holds.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", npy_bytes(np.zeros(256, np.float32)))
    save(d, "zeros.npz", buf.getvalue())


def image():
    d = out_dir("image")
    rgb = Image.fromarray(RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8))
    grey = Image.fromarray(RNG.integers(0, 256, (4, 7), dtype=np.uint8))
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("BMP", "bmp"), ("GIF", "gif"),
                     ("TGA", "tga"), ("PPM", "ppm")):
        for name, img in (("rgb", rgb), ("grey", grey)):
            buf = io.BytesIO()
            img.save(buf, fmt)
            save(d, f"{name}.{ext}", buf.getvalue())
    buf = io.BytesIO()
    rgb.convert("RGBA").save(buf, "PNG")
    save(d, "rgba.png", buf.getvalue())
    buf = io.BytesIO()
    grey.convert("LA").save(buf, "PNG")
    save(d, "grey_alpha.png", buf.getvalue())
    # Extreme aspect ratios (once an out-of-memory in preprocessing).
    for w, h in ((1000, 1), (1, 600)):
        buf = io.BytesIO()
        Image.new("L", (w, h), 128).save(buf, "PNG")
        save(d, f"thin_{w}x{h}.png", buf.getvalue())
    save(d, "pgm_text.pgm", b"P2\n2 2\n255\n0 64\n128 255\n")


def request():
    d = out_dir("request")

    def seed(name, header, blobs=b"", split=False):
        text = json.dumps(header).encode()
        length = len(text) if split else 0
        save(d, name, struct.pack(">H", length) + text + blobs)

    x = [[[[1.0, 2.0], [3.0, 4.0]]] * 3]
    seed("json_flat.json", {"inputs": [{"name": "x", "shape": [1, 3, 2, 2], "datatype": "FP32",
                                         "data": list(range(12))}]})
    seed("json_nested.json", {"id": "r1", "inputs": [{"name": "x", "shape": [1, 3, 2, 2],
                                                       "datatype": "FP32", "data": x}],
                              "outputs": [{"name": "x"}]})
    seed("json_ints.json", {"inputs": [{"name": "ids", "shape": [3], "datatype": "INT64",
                                         "data": [1, -2, 3]},
                                        {"name": "mask", "shape": [1, 4], "datatype": "BOOL",
                                         "data": [True, False, True, True]}]})
    blob = np.arange(12, dtype=np.float32).tobytes()
    seed("binary.bin", {"inputs": [{"name": "x", "shape": [1, 3, 2, 2], "datatype": "FP32",
                                     "parameters": {"binary_data_size": len(blob)}}],
                        "parameters": {"binary_data_output": True}}, blob, split=True)
    half = np.array([1, 2], np.float16).tobytes()
    seed("binary_fp16.bin", {"inputs": [{"name": "half", "shape": [2], "datatype": "FP16",
                                          "parameters": {"binary_data_size": len(half)}}],
                             "outputs": [{"name": "half", "parameters": {"binary_data": True}}]},
         half, split=True)
    seed("declared_huge.json", {"inputs": [{"name": "x", "shape": [80000, 3, 32, 32],
                                             "datatype": "FP32"}]})
    save(d, "overflow.json", b"\x00\x00" + b'{"inputs": [{"name": "x", "shape": [1e400]}]}')
    save(d, "deep.json", b"\x00\x00" + b"[" * 80 + b"]" * 80)


def idx_pair(images, labels, gz):
    img = struct.pack(">BBBBIII", 0, 0, 8, 3, *images.shape) + images.tobytes()
    lab = struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.tobytes()
    return bytes([0, 1 if gz else 0]) + struct.pack(">H", len(img)) + img + lab


def dataset():
    d = out_dir("dataset")
    images = RNG.integers(0, 256, (3, 4, 4), dtype=np.uint8)
    labels = np.array([0, 2, 1], np.uint8)
    save(d, "idx.bin", idx_pair(images, labels, False))
    save(d, "idx_gz.bin", idx_pair(images, labels, True))
    save(d, "idx_zero_images.bin", idx_pair(np.zeros((0, 4, 4), np.uint8),
                                             np.zeros(0, np.uint8), False))
    save(d, "csv.bin", b"\x01path,label\na.png,cat\nb.png,dog\n")
    save(d, "csv_bom.bin", b"\x01\xef\xbb\xbfpath,label\r\n/tmp,cat\r\n")
    save(d, "csv_bad.bin", b"\x01a.png\n,dog\nb.png,\n")


def onnx_models():
    d = out_dir("onnx")
    script = os.path.join(ROOT, "test", "Importers", "onnx", "Inputs", "make_onnx_fixture.py")
    cases = subprocess.run([sys.executable, script, "--list"], check=True,
                           capture_output=True, text=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if case.startswith("external_data") or case in ("heavy_convs", "large_initializer"):
                continue  # files next to the model, or too large to mutate
            path = os.path.join(tmp, case + ".onnx")
            if subprocess.run([sys.executable, script, case, path],
                              capture_output=True).returncode != 0:
                continue
            if os.path.getsize(path) <= 16384:
                os.replace(path, os.path.join(d, case + ".onnx"))


def main():
    npy()
    image()
    request()
    dataset()
    onnx_models()
    for name in ("npy", "image", "request", "dataset", "onnx"):
        print(name, len(os.listdir(os.path.join(HERE, "corpus", name))), "seeds")


if __name__ == "__main__":
    main()
