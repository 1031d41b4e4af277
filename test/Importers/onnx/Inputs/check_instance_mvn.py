#!/usr/bin/env python3
"""Checks tlc's InstanceNormalization (y) and MeanVarianceNormalization (z)
outputs against numpy's evaluation of ONNX's definitions:
check_instance_mvn.py MODEL X OUTDIR."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
inits = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
x = np.load(sys.argv[2]).astype(np.float64)
mean = x.mean(axis=(2, 3), keepdims=True)
y = (x - mean) / np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-3)
y = y * inits["g"].reshape(1, -1, 1, 1) + inits["b"].reshape(1, -1, 1, 1)
z = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / (np.sqrt(x.var(axis=(0, 2, 3), keepdims=True)) + 1e-9)
for name, want in (("y", y), ("z", z)):
    got = np.load(f"{sys.argv[3]}/{name}.npy")
    assert got.shape == want.shape, (name, got.shape, want.shape)
    # f32 arithmetic against f64: 1e-5 of the largest magnitude.
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err <= 1e-5, (name, err)
print("ok")
