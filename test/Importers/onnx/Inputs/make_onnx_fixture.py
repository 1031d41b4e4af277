#!/usr/bin/env python3
"""Makes the small ONNX models the importer's lit tests read.

Usage: make_onnx_fixture.py CASE OUT.onnx

Every case is a function below that returns a ModelProto (or writes files
itself). Weights are deterministic so that tests are reproducible.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def weight(name, *shape):
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def vinfo(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "fixture", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


# --- layers ---------------------------------------------------------------

def conv_relu_pool():
    """A small CNN: conv+bias, relu, maxpool, global pool, flatten, gemm."""
    return model(
        [helper.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"], name="conv1",
                          pads=[1, 1, 1, 1], strides=[2, 2], kernel_shape=[3, 3]),
         helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
         helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                          kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
         helper.make_node("GlobalAveragePool", ["p1"], ["g"], name="gap"),
         helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
         helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)],
        [vinfo("x", [1, 3, 32, 32])], [vinfo("y", [1, 10])],
        [weight("conv1.w", 8, 3, 3, 3), weight("conv1.b", 8), weight("fc.w", 10, 8),
         weight("fc.b", 10)])


def residual_blocks():
    """Two residual blocks (conv, relu, conv, add, relu) after a stem conv,
    then global pooling and a classifier: block ends at the stem's relu (a
    fork), each block's relu after its add (a merge), and the penultimate."""
    nodes, inits = [
        helper.make_node("Conv", ["x", "stem.w"], ["s"], name="stem", pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("Relu", ["s"], ["b0"], name="stem_relu")], [weight("stem.w", 4, 3, 3, 3)]
    for i in (1, 2):
        prev = f"b{i - 1}"
        nodes += [
            helper.make_node("Conv", [prev, f"c{i}a.w"], [f"c{i}a"], name=f"block{i}_conv1",
                             pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", [f"c{i}a"], [f"r{i}a"], name=f"block{i}_relu1"),
            helper.make_node("Conv", [f"r{i}a", f"c{i}b.w"], [f"c{i}b"], name=f"block{i}_conv2",
                             pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Add", [f"c{i}b", prev], [f"a{i}"], name=f"block{i}_add"),
            helper.make_node("Relu", [f"a{i}"], [f"b{i}"], name=f"block{i}_relu2")]
        inits += [weight(f"c{i}a.w", 4, 4, 3, 3), weight(f"c{i}b.w", 4, 4, 3, 3)]
    nodes += [helper.make_node("GlobalAveragePool", ["b2"], ["g"], name="gap"),
              helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
              helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits += [weight("fc.w", 3, 4), weight("fc.b", 3)]
    return model(nodes, [vinfo("x", ["N", 3, 16, 16])], [vinfo("y", ["N", 3])], inits)


def heavy_convs():
    """Eight 128-channel 3x3 convs at 64x64 (about 9 GFLOP a sample): a
    model slow enough that concurrent requests pile up in a server's queue."""
    nodes, inits, x = [], [], "x"
    channels = 3
    for i in range(8):
        nodes += [helper.make_node("Conv", [x, f"c{i}.w", f"c{i}.b"], [f"c{i}"],
                                   name=f"conv{i}", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}")]
        inits += [numpy_helper.from_array(
                      (RNG.standard_normal((128, channels, 3, 3)) / np.sqrt(9 * channels))
                      .astype(np.float32), f"c{i}.w"),
                  weight(f"c{i}.b", 128)]
        x, channels = f"r{i}", 128
    nodes += [helper.make_node("GlobalAveragePool", [x], ["g"], name="gap"),
              helper.make_node("Flatten", ["g"], ["y"], name="flatten", axis=1)]
    return model(nodes, [vinfo("x", [1, 3, 64, 64])], [vinfo("y", [1, 128])], inits)


def strided_pointwise():
    """1x1 convs with strides (ResNet's downsampling): after a 3x3 conv (a
    channels-last input, run as a gather then a stride-1 conv), with
    different strides per axis and odd sizes, and on the graph input."""
    return model(
        [helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["c1"], name="conv3x3",
                          pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
         helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
         helper.make_node("Conv", ["r1", "down.w", "down.b"], ["y1"], name="down",
                          kernel_shape=[1, 1], strides=[2, 3]),
         helper.make_node("Conv", ["x", "skip.w"], ["y2"], name="skip",
                          kernel_shape=[1, 1], strides=[2, 2])],
        [vinfo("x", [2, 8, 15, 13])], [vinfo("y1", [2, 24, 8, 5]), vinfo("y2", [2, 16, 8, 7])],
        [weight("c1.w", 32, 8, 3, 3), weight("c1.b", 32), weight("down.w", 24, 32, 1, 1),
         weight("down.b", 24), weight("skip.w", 16, 8, 1, 1)])


def squeeze_excite():
    """Global pools and per-channel binary ops on a channels-last conv output
    (squeeze-and-excitation): 24 channels (not a multiple of the vector
    width), enough pixels that one image's pool is split over threads, the
    channel operand on either side, per image ([N, C, 1, 1]) or shared; and
    the average pool of a conv + SiLU, which the conv computes itself."""
    n = "N"
    return model(
        [helper.make_node("Conv", ["x", "c.w", "c.b"], ["c"], name="conv",
                          pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
         helper.make_node("GlobalAveragePool", ["c"], ["avg"], name="avgpool"),
         helper.make_node("GlobalMaxPool", ["c"], ["max"], name="maxpool"),
         helper.make_node("Sigmoid", ["avg"], ["s"], name="gate"),
         helper.make_node("Mul", ["c", "s"], ["scaled"], name="scale"),
         helper.make_node("Mul", ["max", "c"], ["scaled_swapped"], name="scale_swapped"),
         helper.make_node("Sub", ["c", "avg"], ["centered"], name="center"),
         helper.make_node("Div", ["c", "s"], ["divided"], name="divide"),
         helper.make_node("Add", ["c", "shift"], ["shifted"], name="shift"),
         # conv + SiLU, then its global average pool: computed by the conv.
         helper.make_node("Conv", ["x", "d.w"], ["d"], name="conv_silu",
                          kernel_shape=[1, 1]),
         helper.make_node("Sigmoid", ["d"], ["d_gate"], name="silu_gate"),
         helper.make_node("Mul", ["d", "d_gate"], ["d_silu"], name="silu"),
         helper.make_node("GlobalAveragePool", ["d_silu"], ["d_avg"], name="silu_avgpool")],
        [vinfo("x", [n, 8, 56, 56])],
        [vinfo("avg", [n, 24, 1, 1]), vinfo("max", [n, 24, 1, 1]),
         vinfo("scaled", [n, 24, 56, 56]), vinfo("scaled_swapped", [n, 24, 56, 56]),
         vinfo("centered", [n, 24, 56, 56]), vinfo("divided", [n, 24, 56, 56]),
         vinfo("shifted", [n, 24, 56, 56]), vinfo("d_avg", [n, 40, 1, 1])],
        [weight("c.w", 24, 8, 3, 3), weight("c.b", 24), weight("shift", 1, 24, 1, 1),
         weight("d.w", 40, 8, 1, 1)])


def conv_relu6():
    """MobileNet-style conv + ReLU6 twice (for the example pass plugin)."""
    six = [numpy_helper.from_array(np.array(0, np.float32), "zero"),
           numpy_helper.from_array(np.array(6, np.float32), "six")]
    return model(
        [helper.make_node("Conv", ["x", "conv1.w"], ["c1"], name="conv1",
                          pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
         helper.make_node("Clip", ["c1", "zero", "six"], ["a1"], name="act1"),
         helper.make_node("Conv", ["a1", "conv2.w"], ["c2"], name="conv2",
                          kernel_shape=[1, 1]),
         helper.make_node("Clip", ["c2", "zero", "six"], ["y"], name="act2")],
        [vinfo("x", [1, 3, 8, 8])], [vinfo("y", [1, 4, 8, 8])],
        [weight("conv1.w", 8, 3, 3, 3), weight("conv2.w", 4, 8, 1, 1)] + six)


def depthwise_same():
    """Depthwise conv with auto_pad=SAME_UPPER and an even kernel."""
    return model(
        [helper.make_node("Conv", ["x", "dw.w"], ["y"], name="dw", group=4,
                          auto_pad="SAME_UPPER", strides=[2, 2])],
        [vinfo("x", [1, 4, 9, 9])], [vinfo("y", [1, 4, 5, 5])],
        [weight("dw.w", 4, 1, 4, 4)])


def gemm_scaled():
    """Gemm with transB=0, alpha and beta: no bias fusion, explicit scaling."""
    return model(
        [helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm",
                          alpha=0.5, beta=2.0)],
        [vinfo("a", [2, 4])], [vinfo("y", [2, 3])],
        [weight("b", 4, 3), weight("c", 2, 3)])


def batchnorm():
    return model(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
         helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"],
                          name="bn", epsilon=1e-3, momentum=0.9)],
        [vinfo("x", [1, 2, 5, 5])], [vinfo("y", [1, 3, 5, 5])],
        [weight("w", 3, 2, 1, 1), floats("s", [1, 2, 3]), floats("b", [0, 0, 1]),
         floats("m", [0, 1, 0]), floats("v", [1, 1, 2])])


def clip_opset9():
    """Clip-6 style attributes: ReLU6 as exported at opset 9."""
    return model([helper.make_node("Clip", ["x"], ["y"], name="relu6", min=0.0, max=6.0)],
                 [vinfo("x", [1, 4])], [vinfo("y", [1, 4])], opset=9)


def clip_opset13():
    """Clip-11+ with min and max as constant inputs; Clip(0, inf) is ReLU."""
    return model(
        [helper.make_node("Clip", ["x", "lo", "hi"], ["a"], name="relu6"),
         helper.make_node("Clip", ["a", "lo"], ["y"], name="relu")],
        [vinfo("x", [1, 4])], [vinfo("y", [1, 4])],
        [numpy_helper.from_array(np.array(0, np.float32), "lo"),
         numpy_helper.from_array(np.array(6, np.float32), "hi")])


def clip_runtime_bounds():
    """Clip-13 with min given as a graph input: max(x, lo), then min(., hi)
    for the constant max."""
    return model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")],
                 [vinfo("x", [2, 3]), vinfo("lo", [])], [vinfo("y", [2, 3])],
                 [numpy_helper.from_array(np.array(0.5, np.float32), "hi")])


def dropout_runtime_ratio():
    """Dropout-13 whose ratio is a graph input: no effect outside training."""
    return model([helper.make_node("Dropout", ["x", "r"], ["y"], name="drop")],
                 [vinfo("x", [2, 3]), vinfo("r", [])], [vinfo("y", [2, 3])])


def layer_norm_statistics():
    """LayerNormalization-17 with its Mean and InvStdDev outputs used."""
    return model(
        [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y", "mean", "inv"],
                          name="ln", axis=1, epsilon=1e-3)],
        [vinfo("x", [2, 3, 4])],
        [vinfo("y", [2, 3, 4]), vinfo("mean", [2, 1, 1]), vinfo("inv", [2, 1, 1])],
        [weight("g", 3, 4), weight("b", 3, 4)], opset=17)


def instance_mvn():
    """InstanceNormalization-6 with epsilon 1e-3, and MeanVarianceNormalization-13
    over its default axes (N, H, W) of the same input."""
    return model(
        [helper.make_node("InstanceNormalization", ["x", "g", "b"], ["y"], name="inorm",
                          epsilon=1e-3),
         helper.make_node("MeanVarianceNormalization", ["x"], ["z"], name="mvn")],
        [vinfo("x", [2, 3, 4, 5])], [vinfo("y", [2, 3, 4, 5]), vinfo("z", [2, 3, 4, 5])],
        [weight("g", 3), weight("b", 3)], opset=13)


def conv_transpose():
    """ConvTranspose-11 three ways: groups 2 with stride 2, pads, dilation 2,
    output_padding 1 and a bias; a 1-D one sized by output_shape past its
    full output (the extra element is output padding); a 3-D one with
    auto_pad SAME_UPPER."""
    return model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", group=2,
                          strides=[2, 2], pads=[1, 0, 0, 1], dilations=[2, 1],
                          output_padding=[1, 1]),
         helper.make_node("ConvTranspose", ["x1", "w1"], ["y1"], name="up1",
                          strides=[3], output_shape=[11]),
         helper.make_node("ConvTranspose", ["x3", "w3"], ["y3"], name="up3",
                          strides=[2, 1, 2], auto_pad="SAME_UPPER")],
        [vinfo("x", [1, 4, 5, 6]), vinfo("x1", [2, 1, 3]), vinfo("x3", [1, 2, 3, 3, 2])],
        [vinfo("y", [1, 6, 13, 13]), vinfo("y1", [2, 2, 11]), vinfo("y3", [1, 1, 6, 3, 4])],
        [weight("w", 4, 3, 3, 3), weight("b", 6), weight("w1", 1, 2, 3),
         weight("w3", 2, 1, 3, 2, 3)], opset=11)


def trilu():
    """Trilu-14: a constant k (a constant mask) and k as a graph input
    (the diagonal offsets compared with k at run time)."""
    return model(
        [helper.make_node("Trilu", ["x", "one"], ["up"], name="triu"),
         helper.make_node("Trilu", ["up", "k"], ["y"], name="tril", upper=0)],
        [vinfo("x", [2, 3, 4]), vinfo("k", [], TensorProto.INT64)], [vinfo("y", [2, 3, 4])],
        [ints("one", 1)], opset=14)


def hardmax_size_neg():
    """Hardmax-13 over axis 1; Size and Neg folded at import time into
    Reshape's shape (12 elements, -(-3) = 3)."""
    return model(
        [helper.make_node("Hardmax", ["x"], ["h"], name="hardmax", axis=1),
         helper.make_node("Size", ["x"], ["n"], name="size"),
         helper.make_node("Neg", ["minus3"], ["three"], name="neg"),
         helper.make_node("Div", ["n", "three"], ["cols"], name="div"),
         helper.make_node("Unsqueeze", ["cols", "zero"], ["cols1"], name="unsq"),
         helper.make_node("Concat", ["three1", "cols1"], ["shape"], name="concat", axis=0),
         helper.make_node("Reshape", ["h", "shape"], ["y"], name="reshape")],
        [vinfo("x", [3, 4])], [vinfo("y", [3, 4])],
        [ints("minus3", -3), ints("zero", [0]), ints("three1", [3])], opset=13)


def integer_arithmetic():
    """Integer Add, Mod (Python's and C's), Clip by max/min, and Pow with a
    float base and an integer exponent (cast to the base's type)."""
    return model(
        [helper.make_node("Add", ["a", "b"], ["s"], name="add"),
         helper.make_node("Mod", ["s", "b"], ["m"], name="mod"),
         helper.make_node("Mod", ["s", "b"], ["fm"], name="fmod", fmod=1),
         helper.make_node("Clip", ["m", "lo", "hi"], ["y"], name="clip"),
         helper.make_node("Pow", ["f", "b"], ["p"], name="pow")],
        [vinfo("a", [2, 3], TensorProto.INT32), vinfo("b", [3], TensorProto.INT32),
         vinfo("f", [2, 3])],
        [vinfo("y", [2, 3], TensorProto.INT32), vinfo("fm", [2, 3], TensorProto.INT32),
         vinfo("p", [2, 3])],
        [numpy_helper.from_array(np.array(-1, np.int32), "lo"),
         numpy_helper.from_array(np.array(1, np.int32), "hi")], opset=13)


def activations():
    """The activations of MobileNetV3 and EfficientNet exports."""
    return model(
        [helper.make_node("HardSigmoid", ["x"], ["hs"], name="hsig", alpha=1 / 6, beta=0.5),
         helper.make_node("HardSwish", ["hs"], ["hw"], name="hswish"),
         helper.make_node("Sigmoid", ["hw"], ["s"], name="sig"),
         helper.make_node("Mul", ["hw", "s"], ["silu"], name="silu_mul"),
         helper.make_node("LeakyRelu", ["silu"], ["lr"], name="leaky", alpha=0.1),
         helper.make_node("PRelu", ["lr", "slope"], ["y"], name="prelu")],
        [vinfo("x", [1, 3, 2, 2])], [vinfo("y", [1, 3, 2, 2])],
        [floats("slope", [[[0.1]], [[0.2]], [[0.3]]])], opset=14)


def math_ops():
    """Elementwise math of tlc/runtime/UnaryMath.h: attributes given, and
    ONNX's defaults where they are not."""
    chain = [("Elu", {"alpha": 0.5}), ("Selu", {}), ("Celu", {"alpha": 2.0}),
             ("ThresholdedRelu", {}), ("Shrink", {"lambd": 0.25}),
             ("Softplus", {}), ("Softsign", {}), ("Sign", {}), ("Round", {}),
             ("Floor", {}), ("Ceil", {}), ("Sin", {}), ("Atanh", {})]
    nodes, prev = [], "x"
    for i, (op, attrs) in enumerate(chain):
        out = "y" if i == len(chain) - 1 else f"t{i}"
        nodes.append(helper.make_node(op, [prev], [out], name=op.lower(), **attrs))
        prev = out
    return model(nodes, [vinfo("x", [2, 3])], [vinfo("y", [2, 3])], opset=13)


def reductions():
    """Reduce* with axes as attributes (opset 13) and ReduceSum-13's axes
    as a constant input."""
    return model(
        [helper.make_node("ReduceMax", ["x"], ["a"], name="max", axes=[1], keepdims=1),
         helper.make_node("ReduceL2", ["a"], ["b"], name="l2", axes=[-1], keepdims=0),
         helper.make_node("ReduceLogSumExp", ["b"], ["c"], name="lse"),
         helper.make_node("ReduceSum", ["x", "axes"], ["d"], name="sum", keepdims=0),
         helper.make_node("ReduceSumSquare", ["d"], ["e"], name="ss", axes=[0])],
        [vinfo("x", [2, 3, 4])], [vinfo("c", [1, 1]), vinfo("e", [1, 4])],
        [ints("axes", [1])], opset=13)


def inf_nan():
    """IsNaN-13; IsInf-10 detecting both signs, +inf alone, and neither."""
    return model(
        [helper.make_node("IsNaN", ["x"], ["nan"], name="isnan"),
         helper.make_node("IsInf", ["x"], ["inf"], name="isinf"),
         helper.make_node("IsInf", ["x"], ["pos"], name="ispos", detect_negative=0),
         helper.make_node("IsInf", ["x"], ["none"], name="isnone", detect_negative=0,
                          detect_positive=0)],
        [vinfo("x", [6])],
        [vinfo(n, [6], TensorProto.BOOL) for n in ("nan", "inf", "pos", "none")], opset=13)


def logic():
    """Comparisons, logic and Where on integer and bool inputs; ArgMax."""
    return model(
        [helper.make_node("Greater", ["a", "b"], ["gt"], name="gt"),
         helper.make_node("Equal", ["a", "b"], ["eq"], name="eq"),
         helper.make_node("Or", ["gt", "eq"], ["ge"], name="or"),
         helper.make_node("Not", ["ge"], ["lt"], name="not"),
         helper.make_node("Where", ["lt", "a", "b"], ["y"], name="where"),
         helper.make_node("ArgMax", ["f"], ["i"], name="argmax", axis=1,
                          keepdims=0, select_last_index=1)],
        [vinfo("a", [2, 3], TensorProto.INT32), vinfo("b", [3], TensorProto.INT32),
         vinfo("f", [2, 3])],
        [vinfo("y", [2, 3], TensorProto.INT32), vinfo("i", [2], TensorProto.INT64)],
        opset=13)


def reshape_shape_input():
    """Reshape whose target shape is a graph input (tlc compile --bind)."""
    return model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
                 [vinfo("x", [2, 3, 4]), vinfo("shape", [2], TensorProto.INT64)],
                 [vinfo("y", [2, 12])])


def reshape_allowzero_input():
    """Reshape with allowzero=1 and the target shape a graph input."""
    return model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape",
                                   allowzero=1)],
                 [vinfo("x", [2, 3, 4]), vinfo("shape", [2], TensorProto.INT64)],
                 [vinfo("y", [2, 12])], opset=14)


def runtime_params():
    """Slice, Unsqueeze, Pad, ReduceSum and Resize with parameters given as
    graph inputs (int64, int32 and float32): run-time parameters."""
    return model(
        [helper.make_node("Slice", ["x", "starts", "ends"], ["s"], name="slice"),
         helper.make_node("Unsqueeze", ["s", "axes"], ["u"], name="unsqueeze"),
         helper.make_node("Pad", ["x", "pads", "value"], ["p"], name="pad"),
         helper.make_node("ReduceSum", ["p", "raxes"], ["r"], name="reduce", keepdims=0),
         helper.make_node("Resize", ["x", "", "scales"], ["z"], name="resize")],
        [vinfo("x", [1, 1, 4, 4]), vinfo("starts", [1], TensorProto.INT32),
         vinfo("ends", [1], TensorProto.INT32), vinfo("axes", [1], TensorProto.INT64),
         vinfo("pads", [8], TensorProto.INT64), vinfo("value", [], TensorProto.FLOAT),
         vinfo("raxes", [2], TensorProto.INT64), vinfo("scales", [4], TensorProto.FLOAT)],
        [vinfo("u", None), vinfo("r", None), vinfo("z", None)])


def max_float64():
    """Max of two float64 tensors: tl has the op, the CPU backend computes
    float32 only."""
    return model([helper.make_node("Max", ["a", "b"], ["y"], name="max64")],
                 [vinfo("a", [3], TensorProto.DOUBLE), vinfo("b", [3], TensorProto.DOUBLE)],
                 [vinfo("y", [3], TensorProto.DOUBLE)])


def block_moves():
    """DepthToSpace (both modes), SpaceToDepth, Tile and Mean: reshapes,
    transposes, concats and arithmetic of tl."""
    return model(
        [helper.make_node("DepthToSpace", ["x"], ["d"], name="d2s", blocksize=2, mode="CRD"),
         helper.make_node("SpaceToDepth", ["d"], ["s"], name="s2d", blocksize=2),
         helper.make_node("DepthToSpace", ["s"], ["e"], name="d2s_dcr", blocksize=2),
         helper.make_node("Tile", ["e", "reps"], ["t"], name="tile"),
         helper.make_node("Mean", ["t", "t", "t"], ["y"], name="mean")],
        [vinfo("x", [1, 8, 2, 3])], [vinfo("y", [1, 2, 8, 6])],
        [ints("reps", [1, 1, 2, 1])])


def mish():
    return model([helper.make_node("Mish", ["x"], ["y"], name="mish")],
                 [vinfo("x", [4])], [vinfo("y", [4])], opset=18)


def dropout_identity():
    """Dropout (inference) and Identity stay in the IR as named ops."""
    return model(
        [helper.make_node("Dropout", ["x"], ["d"], name="drop"),
         helper.make_node("Identity", ["d"], ["y"], name="ident")],
        [vinfo("x", [2, 5])], [vinfo("y", [2, 5])])


def softmax_coerced():
    """Softmax-11 over several trailing dims coerces the input to 2-D."""
    return model([helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
                 [vinfo("x", [2, 3, 4])], [vinfo("y", [2, 3, 4])], opset=11)


def log_softmax():
    """LogSoftmax-13 along one axis, and LogSoftmax-11 coerced to 2-D."""
    return model(
        [helper.make_node("LogSoftmax", ["x"], ["y"], name="lsm", axis=-1)],
        [vinfo("x", [2, 3, 4])], [vinfo("y", [2, 3, 4])], opset=13)


def log_softmax_coerced():
    return model([helper.make_node("LogSoftmax", ["x"], ["y"], name="lsm", axis=1)],
                 [vinfo("x", [2, 3, 4])], [vinfo("y", [2, 3, 4])], opset=11)


def resize_split_pad():
    """Resize by scales, Split into three, Pad the middle part."""
    return model(
        [helper.make_node("Resize", ["x", "", "scales"], ["r"], name="up", mode="nearest",
                          coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
         helper.make_node("Split", ["r", "split"], ["s0", "s1", "s2"], name="split", axis=1),
         helper.make_node("Pad", ["s1", "pads"], ["y"], name="pad", mode="reflect")],
        [vinfo("x", [1, 6, 4, 4])],
        [vinfo("s0", [1, 1, 8, 8]), vinfo("y", [1, 2, 10, 10]), vinfo("s2", [1, 3, 8, 8])],
        [floats("scales", [1, 1, 2, 2]), ints("split", [1, 2, 3]),
         ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])])


def resize_modes():
    """Resize in its three modes: cubic (A=-0.75 half_pixel up, A=-0.5
    asymmetric by 1.5, align_corners down to sizes), linear to sizes of
    another ratio per axis, nearest down with round_prefer_ceil."""
    def resize(name, out, mode, coord, scales=None, sizes=None, **attrs):
        inputs = ["x", "", scales or ""] + ([sizes] if sizes else [])
        return helper.make_node("Resize", inputs, [out], name=name, mode=mode,
                                coordinate_transformation_mode=coord, **attrs)
    return model(
        [resize("cubic_up", "y1", "cubic", "half_pixel", scales="s2"),
         resize("cubic_a05", "y2", "cubic", "asymmetric", scales="s15", cubic_coeff_a=-0.5),
         resize("cubic_down", "y3", "cubic", "align_corners", sizes="small"),
         resize("linear", "y4", "linear", "pytorch_half_pixel", sizes="odd"),
         resize("nearest", "y5", "nearest", "half_pixel", scales="s05",
                nearest_mode="round_prefer_ceil")],
        [vinfo("x", [1, 3, 7, 9])],
        [vinfo("y1", [1, 3, 14, 18]), vinfo("y2", [1, 3, 10, 13]), vinfo("y3", [1, 3, 4, 5]),
         vinfo("y4", [1, 3, 11, 4]), vinfo("y5", [1, 3, 3, 4])],
        [floats("s2", [1, 1, 2, 2]), floats("s15", [1, 1, 1.5, 1.5]),
         floats("s05", [1, 1, 0.5, 0.5]), ints("small", [1, 3, 4, 5]),
         ints("odd", [1, 3, 11, 4])])


def flatten_chain_dynamic():
    """torch's view(x.size(0), -1): Shape/Gather/Unsqueeze/Concat/Reshape on a
    dynamic batch, and the same chain over a static shape, which folds."""
    return model(
        [helper.make_node("Shape", ["x"], ["shape"], name="shape"),
         helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
         helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape"),
         helper.make_node("Shape", ["y"], ["yshape"], name="shape2"),
         helper.make_node("Slice", ["yshape", "one", "two"], ["feat"], name="slice"),
         helper.make_node("Concat", ["minus1", "feat"], ["target2"], name="concat2", axis=0),
         helper.make_node("Reshape", ["y", "target2"], ["z"], name="reshape2")],
        [vinfo("x", ["N", 4, 2, 2])], [vinfo("y", ["N", 16]), vinfo("z", ["N", 16])],
        [numpy_helper.from_array(np.array(0, np.int64), "zero"), ints("axes0", [0]),
         ints("minus1", [-1]), ints("one", [1]), ints("two", [2])])


def channel_shuffle_dynamic():
    """ShuffleNet's channel shuffle with a dynamic batch: the second view
    reshapes a transposed tensor with the batch dim read before it."""
    return model(
        [helper.make_node("Shape", ["x"], ["shape"], name="shape"),
         helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
         helper.make_node("Concat", ["n1", "groups"], ["t1"], name="concat1", axis=0),
         helper.make_node("Reshape", ["x", "t1"], ["r1"], name="view1"),
         helper.make_node("Transpose", ["r1"], ["tr"], name="transpose", perm=[0, 2, 1, 3, 4]),
         helper.make_node("Concat", ["n1", "rest"], ["t2"], name="concat2", axis=0),
         helper.make_node("Reshape", ["tr", "t2"], ["y"], name="view2")],
        [vinfo("x", ["N", 8, 3, 3])], [vinfo("y", ["N", 8, 3, 3])],
        [numpy_helper.from_array(np.array(0, np.int64), "zero"), ints("axes0", [0]),
         ints("groups", [2, 4, 3, 3]), ints("rest", [-1, 3, 3])])


def gather_runtime():
    """x[:, 0] on run-time data (GoogLeNet's transform_input)."""
    return model(
        [helper.make_node("Gather", ["x", "zero"], ["y"], name="pick", axis=1)],
        [vinfo("x", [1, 3, 4, 4])], [vinfo("y", [1, 4, 4])],
        [numpy_helper.from_array(np.array(0, np.int64), "zero")])


def named_io():
    """Several named inputs and outputs, one output used twice."""
    return model(
        [helper.make_node("Add", ["a", "b"], ["sum"], name="add"),
         helper.make_node("Relu", ["sum"], ["act"], name="relu")],
        [vinfo("a", [2, 3]), vinfo("b", [1, 3])],
        [vinfo("act", [2, 3]), vinfo("sum", [2, 3])])


def large_initializer():
    """A weight large enough to become a dense_resource blob."""
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vinfo("x", [8, 8])], [vinfo("y", [8, 8])], [weight("w", 8, 8)])


# --- bad input ---------------------------------------------------------------

def no_inputs():
    """A graph of constants only, like the ONNX node test test_constant."""
    value = floats("value", [1.5, -2.0, 3.25])
    nodes = [helper.make_node("Constant", [], ["c"], value=value),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    return model(nodes, [], [vinfo("y", [3])])


def conv_transpose_too_large():
    """ConvTranspose asked by output_shape for 8 outputs where its full
    output is 4 and the stride 2: output padding cannot make up 4."""
    return model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2],
                          output_shape=[8], pads=[0, 0])],
        [vinfo("x", [1, 1, 2])], [vinfo("y", [1, 1, 8])], [weight("w", 1, 1, 2)], opset=11)


def unsupported_op():
    return model([helper.make_node("Relu", ["x"], ["r"], name="ok"),
                  helper.make_node("TopK", ["r", "k"], ["v", "i"], name="topk"),
                  helper.make_node("Relu", ["v"], ["y"], name="after")],
                 [vinfo("x", [1, 5])], [vinfo("y", [1, 2])], [ints("k", [2])])


def cnn_then_rnn():
    """A CNN followed by ops tlc does not convert (an LSTM head, TopK, a
    custom-domain op): one error lists them all, before any conversion."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv1"),
             helper.make_node("Relu", ["c"], ["r"], name="relu1"),
             helper.make_node("Flatten", ["r"], ["f"], name="flat", axis=2),
             helper.make_node("ConstantOfShape", ["shape"], ["h0"], name="h0"),
             helper.make_node("LSTM", ["f", "W", "R", "", "", "h0"], ["seq"],
                              name="lstm1", hidden_size=4),
             helper.make_node("LSTM", ["seq", "W", "R"], ["seq2"], name="lstm2",
                              hidden_size=4),
             helper.make_node("TopK", ["seq2", "k"], ["v", "i"], name="topk"),
             helper.make_node("Fancy", ["v"], ["y"], name="fancy", domain="com.example")]
    return model(nodes, [vinfo("x", [1, 3, 4, 4])], [vinfo("y", None)],
                 [weight("w", 2, 3, 1, 1), weight("W", 1, 16, 2), weight("R", 1, 16, 4),
                  ints("shape", [1, 1, 4]), ints("k", [1])])


def duplicate_output():
    """Two nodes writing the same tensor name."""
    return model([helper.make_node("Relu", ["x"], ["t"], name="first"),
                  helper.make_node("Sigmoid", ["x"], ["t"], name="second"),
                  helper.make_node("Identity", ["t"], ["y"], name="out")],
                 [vinfo("x", [1, 4])], [vinfo("y", [1, 4])])


def duplicate_input():
    """A graph input declared twice."""
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vinfo("x", [1, 4]), vinfo("x", [1, 4])], [vinfo("y", [1, 4])])


def huge_pads():
    """Pads of 2^40: shapes beyond what the runtime accepts."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv1",
                            pads=[1 << 40, 1 << 40, 1 << 40, 1 << 40])
    return model([node], [vinfo("x", [1, 3, 8, 8])], [vinfo("y", None)],
                 [weight("w", 2, 3, 1, 1)])


def huge_strides():
    """Strides of 2^62."""
    node = helper.make_node("MaxPool", ["x"], ["y"], name="pool1",
                            kernel_shape=[2, 2], strides=[1 << 62, 1 << 62])
    return model([node], [vinfo("x", [1, 3, 8, 8])], [vinfo("y", None)])


def unknown_attribute():
    node = helper.make_node("Relu", ["x"], ["y"], name="relu", fancy=1)
    return model([node], [vinfo("x", [1, 5])], [vinfo("y", [1, 5])])


def wrong_channels():
    """A conv whose weight expects 4 input channels on a 3-channel input."""
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv1")],
                 [vinfo("x", [1, 3, 8, 8])], [vinfo("y", [1, 2, 8, 8])],
                 [weight("w", 2, 4, 1, 1)])


def new_opset():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vinfo("x", [1])], [vinfo("y", [1])], opset=19)


def opset7_cnn():
    """An opset-7 CNN of the Model Zoo's era, IR 3: weights also listed as
    graph inputs, BatchNormalization with `spatial`, Upsample with a `scales` attribute (an input from opset 9 on)."""
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"],
                         name="bn", spatial=1, epsilon=1e-5),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("Upsample", ["r"], ["u"], name="up", mode="nearest",
                         scales=[1.0, 1.0, 2.0, 2.0]),
        helper.make_node("GlobalAveragePool", ["u"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
    ]
    inits = [weight("w", 4, 3, 3, 3), weight("b", 4), floats("s", [1, 2, 3, 4]),
             weight("bb", 4), weight("m", 4), floats("v", [1, 1, 2, 2]),
             weight("fw", 5, 4), weight("fb", 5)]
    inputs = [vinfo("x", [1, 3, 8, 8])] + [
        vinfo(t.name, list(t.dims)) for t in inits]
    m = model(nodes, inputs, [vinfo("y", [1, 5])], inits, opset=7)
    m.ir_version = 3
    return m


def opset7_malformed():
    """Opset 7, but a Relu with two inputs: onnx.checker refuses it before
    the version converter sees it."""
    return model([helper.make_node("Relu", ["x", "x"], ["y"], name="relu")],
                 [vinfo("x", [1])], [vinfo("y", [1])], opset=7)


def undefined_input():
    return model([helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
                 [vinfo("x", [1])], [vinfo("y", [1])])


def external_data(out):
    """Weights in a separate file next to the model."""
    m = conv_relu_pool()
    onnx.save_model(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(out) + ".weights", size_threshold=0)


def external_data_truncated(out):
    external_data(out)
    path = out + ".weights"
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def external_data_escape(out):
    m = conv_relu_pool()
    for init in m.graph.initializer:
        init.ClearField("float_data")
        init.ClearField("raw_data")
        init.data_location = TensorProto.EXTERNAL
        entry = init.external_data.add()
        entry.key, entry.value = "location", "../../etc/passwd"
    onnx.save_model(m, out)


def external_data_links(out):
    """Model files whose external data is a link: to a file outside the
    model's folder (the string is clean, the real path is not), to
    /dev/zero, and a FIFO. Writes OUT.outside.onnx, OUT.zero.onnx and
    OUT.fifo.onnx next to OUT."""
    folder = os.path.dirname(os.path.abspath(out))
    secret = os.path.join(os.path.dirname(folder), "secret.bin")
    with open(secret, "wb") as f:
        f.write(b"\x01" * 4096)
    for kind, target in (("outside", secret), ("zero", "/dev/zero"), ("fifo", None)):
        m = conv_relu_pool()
        data = kind + ".weights"
        path = os.path.join(folder, data)
        if os.path.lexists(path):
            os.remove(path)
        if target:
            os.symlink(target, path)
        else:
            os.mkfifo(path)
        for init in m.graph.initializer:
            size = int(np.prod(init.dims)) * 4
            init.ClearField("float_data")
            init.ClearField("raw_data")
            init.data_location = TensorProto.EXTERNAL
            for key, value in (("location", data), ("offset", "0"), ("length", str(size))):
                entry = init.external_data.add()
                entry.key, entry.value = key, value
        onnx.save_model(m, f"{out}.{kind}.onnx")


def truncated(out):
    data = conv_relu_pool().SerializeToString()
    with open(out, "wb") as f:
        f.write(data[: len(data) // 2])


def not_onnx(out):
    with open(out, "w") as f:
        f.write("this is a text file, not a model\n")


CASES = {name: fn for name, fn in globals().items()
         if callable(fn) and not name.startswith("_")
         and name not in ("weight", "ints", "floats", "vinfo", "model", "main")}
WRITERS = {"external_data", "external_data_truncated", "external_data_escape",
           "external_data_links",
           "truncated", "not_onnx"}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(sorted(CASES)))
        return
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} CASE OUT.onnx; cases: {', '.join(sorted(CASES))}")
    case, out = sys.argv[1], sys.argv[2]
    if case in WRITERS:
        CASES[case](out)
    else:
        onnx.save_model(CASES[case](), out)


if __name__ == "__main__":
    main()
