#!/usr/bin/env python3
"""Checks tlc's LayerNormalization outputs (Y, Mean, InvStdDev) against
numpy's evaluation of ONNX's definition: check_layer_norm.py MODEL X OUTDIR."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
node = model.graph.node[0]
attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
x = np.load(sys.argv[2]).astype(np.float64)
axes = tuple(range(attrs["axis"] % x.ndim, x.ndim))
mean = x.mean(axis=axes, keepdims=True)
inv = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + attrs["epsilon"])
y = (x - mean) * inv * inits[node.input[1]] + inits[node.input[2]]
for name, want in (("y", y), ("mean", mean), ("inv", inv)):
    got = np.load(f"{sys.argv[3]}/{name}.npy")
    assert got.shape == want.shape, (name, got.shape, want.shape)
    # f32 arithmetic against f64: 1e-5 of the largest magnitude.
    err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)
    assert err <= 1e-5, (name, err)
print("ok")
