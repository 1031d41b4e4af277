#!/usr/bin/env python3
"""tlc train/eval/predict against a reference, and on bad input.

  * reference: on EfficientNet-Lite0 (ImageNet-pretrained) features of
    Fashion-MNIST images, extracted once by `tlc extract`, a linear head
    trained by `tlc train` reaches a test accuracy within 1 point (TOLERANCE)
    of the same head trained by PyTorch with the same optimizer and
    hyperparameters, or of scikit-learn's LogisticRegression with the same
    L2 penalty (both printed), on the same features and split;
  * determinism: the same seed gives a bit-identical trained artifact, and
    training resumed from a checkpoint equals an uninterrupted run;
  * the cache: a second extraction of the same data reads the cache;
  * image folders: a corrupt image stops training with its path, or is
    skipped and reported with --skip-bad-images; predict labels image files
    with the class names stored in the artifact.

Prints one line per check and "N passed, M failed"; exits 1 on a failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402

TOLERANCE = 0.01  # accuracy points, as a fraction
DATA = "/usr/share/datasets/fashion-mnist"


def tlc(args, *argv, check=True):
    return subprocess.run([args.tlc, *argv], capture_output=True, text=True, check=check)


def torch_reference(x, y, xt, yt, l2, epochs=60, batch=100, lr=1e-3, seed=3):
    """The same head and hyperparameters in PyTorch: a linear layer,
    Glorot-uniform weights, zero bias, Adam, mean cross-entropy plus
    l2/2 |W|^2 (the bias unpenalized), shuffled mini-batches."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    layer = torch.nn.Linear(x.shape[1], 10)
    torch.nn.init.xavier_uniform_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(layer.parameters(), lr=lr)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        order = torch.randperm(len(ys))
        for start in range(0, len(ys), batch):
            idx = order[start:start + batch]
            loss = torch.nn.functional.cross_entropy(layer(xs[idx]), ys[idx])
            loss = loss + 0.5 * l2 * (layer.weight ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float((layer(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tlc", required=True)
    parser.add_argument("--models", required=True, help="where the export is cached")
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cache = os.path.join(work, "cache")
    here = os.path.dirname(os.path.abspath(__file__))
    onnx_path = os.path.join(args.models, "efficientnet_lite0.onnx")
    subprocess.run([sys.executable, os.path.join(here, "..", "..", "scripts",
                                                 "export-efficientnet-lite0"), onnx_path],
                   check=True, stdout=subprocess.DEVNULL)
    c = Checks()

    backbone = os.path.join(work, "backbone.tlb")
    tlc(args, "compile", onnx_path, "-o", backbone, "--cut", "auto",
        "--head", "linear:10")
    wrong = tlc(args, "compile", onnx_path, "-o", backbone + ".bad", "--crop", "112",
                check=False)
    c.expect("--crop that does not fit a static input is an error",
             wrong.returncode == 1 and "does not fit" in wrong.stderr, wrong.stderr.strip())
    train_prefix, test_prefix = os.path.join(work, "train"), os.path.join(work, "test")
    tlc(args, "extract", backbone, "--data", f"{DATA}/train", "--limit", "2000",
        "-o", train_prefix, "--cache-dir", cache)
    tlc(args, "extract", backbone, "--data", f"{DATA}/t10k", "--limit", "1000",
        "-o", test_prefix, "--cache-dir", cache)
    again = tlc(args, "extract", backbone, "--data", f"{DATA}/t10k", "--limit", "1000",
                "-o", test_prefix + "2", "--cache-dir", cache)
    c.expect("a second extraction reads the cache", "from the cache" in again.stderr)

    x_train = np.load(train_prefix + ".features.npy")
    y_train = np.load(train_prefix + ".labels.npy")
    x_test = np.load(test_prefix + ".features.npy")
    y_test = np.load(test_prefix + ".labels.npy")
    c.expect("features are [N, 1280]", x_train.shape == (2000, 1280) and
             x_test.shape == (1000, 1280), f"{x_train.shape} {x_test.shape}")

    # The same objective on both sides: mean cross-entropy + l2/2 |W|^2,
    # i.e. scikit-learn's C = 1 / (l2 * n).
    l2 = 1e-3
    trained = os.path.join(work, "trained.tlb")
    common = ["--features", train_prefix + ".features.npy",
              "--labels", train_prefix + ".labels.npy", "--val-split", "0",
              "--epochs", "60", "--batch-size", "100", "--lr", "1e-3",
              "--l2", str(l2), "--seed", "3"]
    tlc(args, "train", backbone, *common, "-o", trained)
    result = json.loads(tlc(args, "eval", trained, "--features", test_prefix + ".features.npy",
                            "--labels", test_prefix + ".labels.npy", "--json").stdout)
    torch_acc = torch_reference(x_train, y_train, x_test, y_test, l2)
    ref = LogisticRegression(C=1.0 / (l2 * len(y_train)), max_iter=5000)
    ref.fit(x_train, y_train)
    sk_acc = float((ref.predict(x_test) == y_test).mean())
    acc = result["accuracy"]
    c.expect(f"tlc's linear head ({acc:.4f}) is within {TOLERANCE:.0%} of the same "
             f"head trained by PyTorch ({torch_acc:.4f}) or of scikit-learn's "
             f"LogisticRegression at the optimum ({sk_acc:.4f})",
             min(abs(acc - torch_acc), abs(acc - sk_acc)) <= TOLERANCE)
    c.expect("eval reports per-class precision/recall and a 10x10 confusion matrix",
             len(result["classes"]) == 10 and len(result["confusion"]) == 10 and
             sum(map(sum, result["confusion"])) == 1000)

    again_path = os.path.join(work, "trained-again.tlb")
    tlc(args, "train", backbone, *common, "-o", again_path)
    c.expect("the same seed gives a bit-identical artifact",
             open(trained, "rb").read() == open(again_path, "rb").read())

    # Checkpoints: 4 epochs then --resume to 8 equals 8 epochs straight.
    base = ["--features", train_prefix + ".features.npy", "--labels",
            train_prefix + ".labels.npy", "--val-split", "0", "--seed", "5"]
    straight, resumed = os.path.join(work, "straight.tlb"), os.path.join(work, "resumed.tlb")
    tlc(args, "train", backbone, *base, "--epochs", "8", "-o", straight,
        "--plot", os.path.join(work, "curves.png"))
    tlc(args, "train", backbone, *base, "--epochs", "4", "-o", resumed)
    tlc(args, "train", backbone, *base, "--epochs", "8", "-o", resumed, "--resume")
    c.expect("4 epochs, then --resume to 8, equals 8 epochs straight",
             open(straight, "rb").read() == open(resumed, "rb").read())
    with open(os.path.join(work, "curves.png"), "rb") as f:
        c.expect("--plot writes a PNG", f.read(8) == b"\x89PNG\r\n\x1a\n")

    # The same features as one compressed .npz give the same head.
    npz = os.path.join(work, "train.npz")
    np.savez_compressed(npz, features=x_train, labels=y_train.astype(np.int32))
    from_npz = os.path.join(work, "from-npz.tlb")
    tlc(args, "train", backbone, "--features", npz, *common[4:], "-o", from_npz)
    c.expect("a .npz of the same features gives the same artifact",
             open(trained, "rb").read() == open(from_npz, "rb").read())

    # An image folder with a corrupt image.
    folder = os.path.join(work, "folder")
    rng = np.random.default_rng(0)
    for cls in ("dark", "light"):
        os.makedirs(os.path.join(folder, cls))
        for i in range(6):
            level = 40 if cls == "dark" else 215
            pixels = np.clip(rng.normal(level, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(os.path.join(folder, cls, f"{i}.png"))
    bad = os.path.join(folder, "light", "broken.jpg")
    with open(bad, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 not really a jpeg")
    small = os.path.join(work, "small.tlb")
    tlc(args, "compile", onnx_path, "-o", small, "--cut", "auto", "--head", "linear:2")
    out = os.path.join(work, "folder.tlb")
    failed = tlc(args, "train", small, "--data", folder, "-o", out, "--no-cache", check=False)
    c.expect("a corrupt image stops training, named", failed.returncode == 1 and
             "broken.jpg" in failed.stderr and not os.path.exists(out),
             failed.stderr.strip().splitlines()[-1] if failed.stderr else "")
    ok = tlc(args, "train", small, "--data", folder, "-o", out, "--no-cache",
             "--skip-bad-images", "--epochs", "30", "--lr", "1e-2", "--val-split", "0",
             check=False)
    c.expect("--skip-bad-images skips it and says so", ok.returncode == 0 and
             "skipped" in ok.stderr and "broken.jpg" in ok.stderr, ok.stderr[-300:])
    if ok.returncode == 0:
        pred = json.loads(tlc(args, "predict", out, os.path.join(folder, "dark", "0.png"),
                              os.path.join(folder, "light", "0.png"), "--json",
                              "--top-k", "1").stdout)
        labels = [p["top"][0]["class"] for p in pred]
        c.expect("predict names the classes from the folder", labels == ["dark", "light"],
                 str(labels))
        # Evaluation labels by class name: a test folder with only "light"
        # is all light (by folder order it was class 0, "dark": accuracy 0),
        # and a class the head does not know is an error that names it.
        only = os.path.join(work, "only-light")
        os.makedirs(os.path.join(only, "light"))
        for i in range(3):
            shutil.copy(os.path.join(folder, "light", f"{i}.png"), os.path.join(only, "light"))
        result = json.loads(tlc(args, "eval", out, "--data", only, "--json",
                              "--no-cache").stdout)
        c.expect("eval maps a folder's labels by class name", result["accuracy"] == 1.0,
                 result["accuracy"])
        os.rename(os.path.join(only, "light"), os.path.join(only, "purple"))
        unknown = tlc(args, "eval", out, "--data", only, "--no-cache", check=False)
        c.expect("a class the head does not know is an error naming it",
                 unknown.returncode == 1 and "'purple'" in unknown.stderr
                 and "dark, light" in unknown.stderr, unknown.stderr.strip())
    missing = tlc(args, "train", small, "--data", os.path.join(work, "nowhere"), "-o", out,
                  check=False)
    c.expect("missing data is a clear error", missing.returncode == 1 and
             "nowhere" in missing.stderr, missing.stderr.strip())
    c.finish()


if __name__ == "__main__":
    main()
