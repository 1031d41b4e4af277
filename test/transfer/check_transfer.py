#!/usr/bin/env python3
"""The transfer passes through the runtime, against independent references.

  * truncate: `tlc compile --cut ...` (node and tensor names, several cuts,
    with and without the activation after the cut, `--cut auto`,
    `--drop-last`) equals ONNX Runtime on `onnx.utils.extract_model` of the
    same tensors;
  * fold: nets exported with their BatchNormalization nodes compile with
    every BN folded away and equal ONNX Runtime on the unfolded graph; the
    known traps (BN after a ReLU, a conv with two consumers, a conv whose
    output is also a graph output) keep their BN and stay exact;
  * fc-to-conv: VGG-16 and AlexNet at 224 give a 1x1 map equal to their FC
    output, and at 256 a 2x2 map whose every position equals the original
    classifier applied (in numpy, float64) to that window of ORT's features;
  * attach-head: the head runs, its features equal the auto cut, its
    initialization is reproducible by seed and only its weights change.

Tolerance everywhere: max |tlc - ref| <= RTOL * max |ref|, RTOL = 1e-4.
Prints one line per case and "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as onp
import onnx.utils
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402

RTOL = 1e-4
ACTIVATIONS = {"Relu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish",
               "LeakyRelu", "PRelu", "Elu", "Gelu"}


class Checker(Checks):
    def __init__(self, tlc, workdir):
        super().__init__()
        self.tlc = tlc
        self.workdir = workdir

    def path(self, name):
        return os.path.join(self.workdir, name)

    def compile(self, model, *args, emit_mlir=False):
        out = self.path("model.mlir" if emit_mlir else "model.tlb")
        cmd = [self.tlc, "compile", model, "-o", out, *args]
        if emit_mlir:
            cmd.append("--emit=mlir")
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        return out

    def run(self, tlb, feeds):
        outdir = self.path("out")
        os.makedirs(outdir, exist_ok=True)
        for f in os.listdir(outdir):
            os.remove(os.path.join(outdir, f))
        args = [self.tlc, "run", tlb, "--output-dir", outdir]
        for name, value in feeds.items():
            np.save(self.path(f"in_{name}.npy"), value)
            args += ["--input", f"{name}={self.path(f'in_{name}.npy')}"]
        subprocess.run(args, check=True, capture_output=True, text=True)
        return {f[:-4]: np.load(os.path.join(outdir, f)) for f in os.listdir(outdir)}

    def compare(self, label, got, ref):
        got = np.asarray(got)
        ref = np.asarray(ref)
        if got.shape != ref.shape:
            got = got.reshape(ref.shape) if got.size == ref.size else got
        if got.shape != ref.shape:
            return self.expect(label, False, f"shape {got.shape} != {ref.shape}")
        err = float(np.max(np.abs(got - ref)))
        scale = float(np.max(np.abs(ref))) or 1.0
        self.expect(label, err <= RTOL * scale,
                    f"max err {err:.3g} (limit {RTOL * scale:.3g})")

    def case(self, label, fn):
        try:
            fn()
        except subprocess.CalledProcessError as e:
            self.expect(label, False, f"{e.cmd[1]} failed: {e.stderr.strip()[:400]}")


def file_name(output):
    """The file `tlc run` writes an output to (without .npy)."""
    name = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in output)
    return "output_" + name if not name or name[0] == "." else name


def ort_run(model, feeds, outputs=None):
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return sess.run(outputs, feeds)


def extract(model, outputs, dst):
    onnx.utils.extract_model(model, dst, ["input"], outputs)
    return dst


def consumers(graph, tensor):
    return [n for n in graph.node if tensor in n.input]


def image(batch, size, seed=0):
    return np.random.default_rng(seed).standard_normal(
        (batch, 3, size, size)).astype(np.float32)


def check_truncate(c, models):
    resnet = os.path.join(models, "resnet18.onnx")
    graph = onnx.load(resnet).graph
    x = image(1, 224)

    # A node name at a block boundary, and two tensor names at once.
    node = "/layer2/layer2.1/relu_1/Relu"
    def by_node():
        out = c.run(c.compile(resnet, f"--cut={node}"), {"input": x})
        ref = ort_run(extract(resnet, [f"{node}_output_0"], c.path("ref.onnx")),
                      {"input": x})[0]
        c.compare(f"truncate resnet18 --cut {node}", out[file_name(node)], ref)
    c.case("truncate by node", by_node)

    tensors = ["/layer1/layer1.1/relu_1/Relu_output_0",
               "/layer3/layer3.1/relu_1/Relu_output_0"]
    def by_tensors():
        out = c.run(c.compile(resnet, "--cut=" + ",".join(tensors)), {"input": x})
        refs = ort_run(extract(resnet, tensors, c.path("ref.onnx")), {"input": x})
        for t, ref in zip(tensors, refs):
            c.compare(f"truncate resnet18 --cut {t} (one of two)", out[file_name(t)], ref)
    c.case("truncate by tensors", by_tensors)

    # A cut at a conv keeps the activation after it, unless asked not to.
    conv = "/layer4/layer4.0/conv1/Conv"
    conv_out = f"{conv}_output_0"
    after = consumers(graph, conv_out)
    assert len(after) == 1 and after[0].op_type in ACTIVATIONS
    for keep, tensor in (("true", after[0].output[0]), ("false", conv_out)):
        def at_conv(keep=keep, tensor=tensor):
            out = c.run(c.compile(resnet, f"--cut={conv}", f"--keep-activation={keep}"),
                        {"input": x})
            ref = ort_run(extract(resnet, [tensor], c.path("ref.onnx")), {"input": x})[0]
            c.compare(f"truncate resnet18 --cut {conv} --keep-activation={keep}",
                      out[file_name(conv)], ref)
        c.case("truncate at conv", at_conv)

    # auto and drop-last: the input of the N-th FC from the end.
    for name, args, nth in (("resnet18", ["--cut=auto"], 1),
                            ("mobilenet_v2", ["--cut=auto"], 1),
                            ("vgg16", ["--drop-last=2"], 2)):
        def counted(name=name, args=args, nth=nth):
            model = os.path.join(models, f"{name}.onnx")
            g = onnx.load(model, load_external_data=False).graph
            fcs = [n for n in g.node if n.op_type in ("Gemm", "MatMul")]
            feature = fcs[-nth].input[0]
            xb = image(1, 224, seed=1)
            out = c.run(c.compile(model, *args), {"input": xb})
            ref = ort_run(extract(model, [feature], c.path("ref.onnx")), {"input": xb})[0]
            c.compare(f"truncate {name} {' '.join(args)}", out["features"], ref)
        c.case(f"truncate {name}", counted)


def batchnorm_count(c, model, *args):
    with open(c.compile(model, *args, emit_mlir=True)) as f:
        return sum(line.count("tl.batch_norm") for line in f)


def check_fold(c, bn_models):
    for name in ("resnet18", "mobilenet_v2"):
        def folded(name=name):
            model = os.path.join(bn_models, f"{name}.onnx")
            n_bn = sum(n.op_type == "BatchNormalization"
                       for n in onnx.load(model, load_external_data=False).graph.node)
            left = batchnorm_count(c, model)
            c.expect(f"fold {name}: {n_bn} BatchNorms in the ONNX, {left} left",
                     n_bn > 0 and left == 0)
            x = image(2, 224, seed=2)
            c.compare(f"fold {name} == onnxruntime (unfolded)",
                      c.run(c.compile(model), {"input": x})["logits"],
                      ort_run(model, {"input": x})[0])
        c.case(f"fold {name}", folded)

    # The traps, as small graphs: each keeps its one BatchNorm.
    rng = np.random.default_rng(3)
    def const(name, shape, positive=False):
        v = rng.standard_normal(shape).astype(np.float32)
        return onp.from_array(np.abs(v) + 0.5 if positive else v, name)
    bn_params = [const("s", [4]), const("b", [4]), const("m", [4]),
                 const("v", [4], positive=True)]
    conv = oh.make_node("Conv", ["input", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])
    bn = lambda src: oh.make_node("BatchNormalization", [src, "s", "b", "m", "v"],
                                  ["y"], name="bn")
    def out(name):
        return oh.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
    traps = {
        "bn after relu": ([conv, oh.make_node("Relu", ["c"], ["r"], name="relu"),
                           bn("r")], ["y"]),
        "conv with two consumers": ([conv, bn("c"),
                                     oh.make_node("Relu", ["c"], ["r"], name="relu"),
                                     oh.make_node("Add", ["y", "r"], ["z"], name="add")],
                                    ["z"]),
        "conv output is a graph output": ([conv, bn("c")], ["y", "c"]),
    }
    for label, (nodes, outputs) in traps.items():
        def trap(label=label, nodes=nodes, outputs=outputs):
            graph = oh.make_graph(
                nodes, "trap",
                [oh.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
                [out(o) for o in outputs],
                [const("w", [4, 3, 3, 3])] + bn_params)
            model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 13)])
            path = c.path("trap.onnx")
            onnx.save(model, path)
            c.expect(f"fold trap '{label}': BatchNorm kept",
                     batchnorm_count(c, path) == 1)
            x = image(1, 8, seed=4)
            got = c.run(c.compile(path), {"input": x})
            for o, ref in zip(outputs, ort_run(path, {"input": x})):
                c.compare(f"fold trap '{label}' output {o}", got[o], ref)
        c.case(f"trap {label}", trap)


def classifier(model):
    """The FC layers (weight [out, in], bias, relu after) as numpy."""
    m = onnx.load(model)
    inits = {i.name: onp.to_array(i) for i in m.graph.initializer}
    for n in m.graph.node:  # exporters alias some weights through Identity
        if n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    layers = []
    for n in m.graph.node:
        if n.op_type == "Gemm":
            attrs = {a.name: oh.get_attribute_value(a) for a in n.attribute}
            w = inits[n.input[1]]
            if not attrs.get("transB", 0):
                w = w.T
            relu = any(u.op_type == "Relu" for u in consumers(m.graph, n.output[0]))
            layers.append((w.astype(np.float64), inits[n.input[2]], relu))
    flatten = next(n for n in m.graph.node if n.op_type == "Flatten")
    return layers, flatten.input[0]


def check_fc_to_conv(c, models):
    for name in ("vgg16", "alexnet"):
        def conv_classifier(name=name):
            model = os.path.join(models, f"{name}.onnx")
            tlb = c.compile(model, "--fc-to-conv", "--input-shape=input=1x3x?x?")
            x = image(1, 224, seed=5)
            got = c.run(tlb, {"input": x})["logits"]
            c.expect(f"fc-to-conv {name} at 224 is a 1x1 map", got.shape == (1, 1000, 1, 1),
                     str(got.shape))
            c.compare(f"fc-to-conv {name} at 224 == its FC output",
                      got.reshape(1, 1000), ort_run(model, {"input": x})[0])

            # At 256 the classifier slides over the features: check every
            # position against the FCs applied to that window.
            layers, volume = classifier(model)
            dynamic = onnx.load(model)
            for d, p in zip(dynamic.graph.input[0].type.tensor_type.shape.dim[2:], "HW"):
                d.dim_param = p
            onnx.save(dynamic, c.path("dynamic.onnx"))
            xl = image(1, 256, seed=6)
            feats = ort_run(extract(c.path("dynamic.onnx"), [volume], c.path("ref.onnx")),
                            {"input": xl})[0].astype(np.float64)
            got = c.run(tlb, {"input": xl})["logits"]
            k = int(round(np.sqrt(layers[0][0].shape[1] / feats.shape[1])))
            rows, cols = feats.shape[2] - k + 1, feats.shape[3] - k + 1
            ref = np.zeros((1, 1000, rows, cols))
            for i in range(rows):
                for j in range(cols):
                    v = feats[:, :, i:i + k, j:j + k].reshape(1, -1)
                    for w, b, relu in layers:
                        v = v @ w.T + b
                        v = np.maximum(v, 0) if relu else v
                    ref[:, :, i, j] = v
            c.compare(f"fc-to-conv {name} at 256 is a {rows}x{cols} map of "
                      f"window scores", got, ref)
        c.case(f"fc-to-conv {name}", conv_classifier)


def check_head(c, models):
    resnet = os.path.join(models, "resnet18.onnx")  # with a dynamic batch
    x = image(3, 224, seed=7)

    def head():
        auto = c.run(c.compile(resnet, "--cut=auto"), {"input": x})["features"]
        first = c.run(c.compile(resnet, "--cut=auto", "--head=linear:10", "--seed=1"),
                      {"input": x})
        again = c.run(c.compile(resnet, "--cut=auto", "--head=linear:10", "--seed=1"),
                      {"input": x})
        other = c.run(c.compile(resnet, "--cut=auto", "--head=linear:10", "--seed=2"),
                      {"input": x})
        c.expect("head linear:10 gives [3, 10] logits", first["logits"].shape == (3, 10))
        c.compare("head features == --cut auto", first["features"], auto)
        c.expect("head with the same seed is bit-identical",
                 np.array_equal(first["logits"], again["logits"]))
        c.expect("head with another seed differs",
                 not np.allclose(first["logits"], other["logits"]))
        mlp = c.run(c.compile(resnet, "--cut=auto", "--head=mlp:64,32:5",
                              "--head-dropout=0.2", "--head-init=he"), {"input": x})
        c.expect("head mlp:64,32:5 gives [3, 5] logits", mlp["logits"].shape == (3, 5))
        with open(c.compile(resnet, "--cut=auto", "--head=mlp:64,32:5", emit_mlir=True)) as f:
            text = f.read()
        c.expect("only the head's 6 parameters are trainable",
                 text.count("tl.constant trainable") == 6)
    c.case("head", head)


def check_pretrained(c, model):
    """EfficientNet-Lite0 from its own package (not torchvision): the
    pretrained net matches, and --cut auto is the input of its _fc."""
    x = image(2, 224, seed=8)
    def pretrained():
        c.compare("EfficientNet-Lite0 (pretrained) == onnxruntime",
                  c.run(c.compile(model), {"input": x})["logits"],
                  ort_run(model, {"input": x})[0])
        g = onnx.load(model, load_external_data=False).graph
        fc = [n for n in g.node if n.op_type in ("Gemm", "MatMul")][-1]
        # The classifier's input as an extra output of the whole model.
        m = onnx.load(model)
        m.graph.output.append(oh.make_tensor_value_info(
            fc.input[0], onnx.TensorProto.FLOAT, None))
        onnx.save(m, c.path("with_features.onnx"))
        ref = ort_run(c.path("with_features.onnx"), {"input": x})[1]
        out = c.run(c.compile(model, "--cut=auto"), {"input": x})["features"]
        c.compare("EfficientNet-Lite0 --cut auto == the input of its classifier", out, ref)
    c.case("pretrained", pretrained)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--export-python", default="/usr/bin/python3")
    parser.add_argument("--models", required=True,
                        help="directory for the exported models (cached)")
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    export = os.path.join(here, "..", "models", "export_torchvision.py")
    static = os.path.join(args.models, "opset13-static")
    with_bn = os.path.join(args.models, "opset13-batchnorm")
    subprocess.run([args.export_python, export, "--out", static, "--opset", "13",
                    "--models", "resnet18,mobilenet_v2,vgg16,alexnet"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([args.export_python, export, "--out", with_bn, "--opset", "13",
                    "--keep-batchnorm", "--dynamic-batch",
                    "--models", "resnet18,mobilenet_v2"],
                   check=True, stdout=subprocess.DEVNULL)

    lite0 = os.path.join(args.models, "efficientnet_lite0.onnx")
    subprocess.run([sys.executable, os.path.join(here, "..", "..", "scripts",
                                                 "export-efficientnet-lite0"), lite0],
                   check=True, stdout=subprocess.DEVNULL)

    c = Checker(args.tlc, args.workdir)
    check_truncate(c, static)
    check_fold(c, with_bn)
    check_fc_to_conv(c, static)
    check_head(c, with_bn)  # dynamic batch
    check_pretrained(c, lite0)
    c.finish()


if __name__ == "__main__":
    main()
