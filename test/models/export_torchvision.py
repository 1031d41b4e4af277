#!/usr/bin/env python3
"""Exports torchvision classification models to ONNX with random weights.

The BatchNorm running statistics are re-estimated on random data first: with
random weights and the default statistics, BN-heavy nets (MobileNet,
EfficientNet) produce outputs near 1e-9, which makes numerical comparisons
meaningless.

Usage: export_torchvision.py --out DIR [--opset 13] [--dynamic-batch | --dynamic-spatial]
                             [--keep-batchnorm]
                             [--models resnet18,vgg16,...]

Runs under Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
Files that already exist are kept, so a rerun only exports what is missing.
"""
import argparse
import os
import sys
import warnings

import torch
import torchvision

# name -> (constructor kwargs, input resolution)
MODELS = {
    "resnet18": ({}, 224),
    "resnet50": ({}, 224),
    "mobilenet_v2": ({}, 224),
    "mobilenet_v3_small": ({}, 224),
    "mobilenet_v3_large": ({}, 224),
    "efficientnet_b0": ({}, 224),
    "squeezenet1_1": ({}, 224),
    "vgg16": ({}, 224),
    "alexnet": ({}, 224),
    "densenet121": ({}, 224),
    "googlenet": ({"aux_logits": False, "init_weights": True}, 224),
    "inception_v3": ({"aux_logits": False, "init_weights": True}, 299),
    "shufflenet_v2_x1_0": ({}, 224),
    "mnasnet1_0": ({}, 224),
    "regnet_y_400mf": ({}, 224),
}


def reestimate_batchnorm(model, resolution, steps=2, batch=4):
    """Replaces BN running stats with cumulative averages over random data."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average
    model.train()
    with torch.no_grad():
        for _ in range(steps):
            model(torch.randn(batch, 3, resolution, resolution))
    model.eval()


def export(name, out_dir, opset, dynamic_batch, seed=0, dynamic_spatial=False,
           keep_batchnorm=False):
    kwargs, resolution = MODELS[name]
    path = os.path.join(out_dir, f"{name}.onnx")
    if os.path.exists(path):
        return path
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None, **kwargs)
    reestimate_batchnorm(model, resolution)
    model.eval()
    x = torch.randn(1, 3, resolution, resolution)
    dynamic_axes = {"input": {0: "N"}, "logits": {0: "N"}} if dynamic_batch else None
    if dynamic_spatial:
        dynamic_axes = {"input": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}}
    tmp = f"{path}.{os.getpid()}.tmp"  # concurrent exporters never collide
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRESERVE (with the model in eval mode) skips the exporter's own
        # Conv+BN fusion, so BatchNormalization nodes reach tlc.
        training = (torch.onnx.TrainingMode.PRESERVE if keep_batchnorm
                    else torch.onnx.TrainingMode.EVAL)
        torch.onnx.export(model, x, tmp, opset_version=opset,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes=dynamic_axes, do_constant_folding=True,
                          training=training)
    os.replace(tmp, path)  # never leave a half-written model behind
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--dynamic-batch", action="store_true")
    parser.add_argument("--dynamic-spatial", action="store_true",
                        help="batch, height and width dynamic (nets without "
                             "fixed-size FC layers)")
    parser.add_argument("--keep-batchnorm", action="store_true",
                        help="keep BatchNormalization nodes (no Conv+BN "
                             "fusion by the exporter)")
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(os.cpu_count() or 1)
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model '{name}'; known: {', '.join(MODELS)}")
        print(export(name, args.out, args.opset, args.dynamic_batch,
                     dynamic_spatial=args.dynamic_spatial,
                     keep_batchnorm=args.keep_batchnorm), flush=True)


if __name__ == "__main__":
    main()
