#!/usr/bin/env python3
"""Checks tlc's ConvTranspose outputs against a numpy reference:
check_conv_transpose.py MODEL OUTDIR NAME=FILE.npy...

The reference is the scatter form of the operator (each input element adds
its weight-scaled kernel into the output at stride steps), independent of
the importer's lowering onto a deconvolution with pads. Padding follows the
ONNX spec as ONNX Runtime reads it: output_shape or SAME_* auto_pad set a
total padding (at least 0) split with the larger half at the start unless
SAME_UPPER; output past the full deconvolution holds the bias alone."""
import itertools
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

model = onnx.load(sys.argv[1])
inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
feeds = dict(arg.split("=", 1) for arg in sys.argv[3:])
feeds = {name: np.load(path) for name, path in feeds.items()}


def reference(attrs, x, w, bias):
    n, sp = x.shape[0], x.ndim - 2
    groups = attrs.get("group", 1)
    strides = attrs.get("strides", [1] * sp)
    dil = attrs.get("dilations", [1] * sp)
    out_pad = attrs.get("output_padding", [0] * sp)
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    k = w.shape[2:]
    inp = x.shape[2:]
    full = [(inp[i] - 1) * strides[i] + (k[i] - 1) * dil[i] + 1 for i in range(sp)]
    if "output_shape" in attrs or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = list(attrs.get("output_shape", [inp[i] * strides[i] for i in range(sp)]))[-sp:]
        total = [max(0, full[i] + out_pad[i] - out[i]) for i in range(sp)]
        head = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in total]
    else:
        pads = attrs.get("pads", [0] * 2 * sp)
        head = list(pads[:sp])
        out = [full[i] + out_pad[i] - pads[i] - pads[i + sp] for i in range(sp)]
    cin, cout = x.shape[1] // groups, w.shape[1]
    buf = np.zeros([n, cout * groups] + [max(full[i], head[i] + out[i]) for i in range(sp)],
                   np.float64)
    for g in range(groups):
        xg = x[:, g * cin:(g + 1) * cin].astype(np.float64)
        wg = w[g * cin:(g + 1) * cin].astype(np.float64)
        for kk in itertools.product(*(range(e) for e in k)):
            part = np.einsum("nc...,co->no...", xg, wg[(slice(None), slice(None)) + kk])
            at = tuple(slice(kk[i] * dil[i], kk[i] * dil[i] + (inp[i] - 1) * strides[i] + 1,
                             strides[i]) for i in range(sp))
            buf[(slice(None), slice(g * cout, (g + 1) * cout)) + at] += part
    y = buf[(slice(None), slice(None)) + tuple(slice(head[i], head[i] + out[i])
                                               for i in range(sp))]
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * sp)
    return y


for node in model.graph.node:
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    x, w = feeds[node.input[0]], inits[node.input[1]]
    bias = inits[node.input[2]] if len(node.input) > 2 else None
    want = reference(attrs, x, w, bias)
    got = np.load(f"{sys.argv[2]}/{node.output[0]}.npy")
    assert got.shape == want.shape, (node.name, got.shape, want.shape)
    # f32 kernels against a float64 reference: 1e-5 of the largest magnitude.
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err <= 1e-5, (node.name, err)
print("ok")
