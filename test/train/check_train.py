#!/usr/bin/env python3
"""tlc train/eval/predict against a reference, and on bad input.

  * reference: on EfficientNet-Lite0 (ImageNet-pretrained) features of
    Fashion-MNIST images, extracted once by `tlc extract`, a linear head
    trained by `tlc train` with its defaults (standardized features,
    L-BFGS to the optimum) reaches a test accuracy within 0.5 point
    (OPTIMUM_TOLERANCE) of scikit-learn's StandardScaler +
    LogisticRegression with the same L2 penalty; trained with
    `--solver adam --no-standardize`, within 1 point (TOLERANCE) of the same
    head trained by PyTorch with the same optimizer and hyperparameters, or
    of scikit-learn at the optimum (all printed), on the same features;
  * every cut: at six cuts of EfficientNet-Lite0 from block 4 to the
    penultimate features (one `tlc compile --pool-outputs`, one extraction
    for all), on Fashion-MNIST and on scikit-learn's digits, `tlc train
    --l2 auto` is within 0.5 point of StandardScaler + LogisticRegression
    at the penalty tlc picked, and that penalty is one scikit-learn's
    validation accuracy on the same split ranks best (within one sample);
  * tlc probe: a table per cut in depth order, the best by validation
    accuracy, and an artifact whose `tlc eval` on the validation images
    gives the probe's validation accuracy (the head and its standardization
    came along); --pick, --plot, and a second run from the cache;
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
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402

TOLERANCE = 0.01  # accuracy points, as a fraction
OPTIMUM_TOLERANCE = 0.005
CUTS = ["/_blocks.4/Add", "/_blocks.7/Add", "/_blocks.10/Add", "/_blocks.14/Add",
        "/_blocks.15/_project_conv/Conv", "/Reshape"]
L2_GRID = [10.0 ** k for k in range(1, -6, -1)]
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


def write_images(folder, images, labels):
    """Writes uint8 images [N, H, W] as FOLDER/LABEL/I.png."""
    for i, (img, y) in enumerate(zip(images, labels)):
        os.makedirs(os.path.join(folder, str(y)), exist_ok=True)
        Image.fromarray(img).save(os.path.join(folder, str(y), f"{i}.png"))


def columns(stderr):
    """The [name, width] pairs `tlc extract` prints for a pooled artifact."""
    line = [l for l in stderr.splitlines() if l.startswith("columns, in order: ")][0]
    out = []
    for part in line[len("columns, in order: "):].split(", "):
        name, width = part.rsplit(" [", 1)
        out.append((name, int(width.rstrip("]"))))
    return out


def sklearn_grid(xa, ya, xv, yv, xt, yt):
    """StandardScaler + LogisticRegression at each C of L2_GRID (C = 1 /
    (l2 n)): {l2: (validation accuracy, test accuracy)}."""
    scaler = StandardScaler().fit(xa)
    xa, xv, xt = scaler.transform(xa), scaler.transform(xv), scaler.transform(xt)
    out = {}
    for l2 in L2_GRID:
        m = LogisticRegression(C=1.0 / (l2 * len(ya)), max_iter=3000).fit(xa, ya)
        out[l2] = (float((m.predict(xv) == yv).mean()), float((m.predict(xt) == yt).mean()))
    return out


def every_cut(args, c, onnx_path, work, datasets):
    """tlc train --l2 auto against scikit-learn at each of CUTS."""
    import warnings
    warnings.filterwarnings("ignore")
    multi = os.path.join(work, "multi.tlb")
    tlc(args, "compile", onnx_path, "-o", multi, "--cut", ",".join(CUTS), "--pool-outputs", "avg")
    heads = {}
    for i, cut in enumerate(CUTS):
        heads[cut] = os.path.join(work, f"cut{i}.tlb")
        tlc(args, "compile", onnx_path, "-o", heads[cut], "--cut", cut, "--head", "linear:10")
    grid = ",".join(str(v) for v in L2_GRID)
    for name, train_data, test_data, limits in datasets:
        prefix = os.path.join(work, name)
        r = tlc(args, "extract", multi, "--data", train_data, "-o", prefix + "-train",
                "--cache-dir", os.path.join(work, "cache"), *limits[0])
        layout = columns(r.stderr)
        tlc(args, "extract", multi, "--data", test_data, "-o", prefix + "-test",
            "--cache-dir", os.path.join(work, "cache"), *limits[1])
        x = np.load(prefix + "-train.features.npy")
        y = np.load(prefix + "-train.labels.npy")
        xt = np.load(prefix + "-test.features.npy")
        yt = np.load(prefix + "-test.labels.npy")
        c.expect(f"{name}: the pooled cuts' columns add up",
                 [n for n, _ in layout] == CUTS and sum(w for _, w in layout) == x.shape[1],
                 layout)
        order = np.random.default_rng(0).permutation(len(y))
        val, fit = order[:len(y) // 10], order[len(y) // 10:]
        start = 0
        for cut, width in layout:
            cols = slice(start, start + width)
            start += width
            files = {}
            for part, rows in (("fit", fit), ("val", val)):
                files[part] = (f"{prefix}-{part}.x.npy", f"{prefix}-{part}.y.npy")
                np.save(files[part][0], np.ascontiguousarray(x[rows, cols]))
                np.save(files[part][1], y[rows])
            np.save(prefix + "-cut-test.x.npy", np.ascontiguousarray(xt[:, cols]))
            trained = prefix + "-cut.tlb"
            run = tlc(args, "train", heads[cut], "--features", files["fit"][0],
                      "--labels", files["fit"][1], "--val-features", files["val"][0],
                      "--val-labels", files["val"][1], "--l2", "auto", "--l2-grid", grid,
                      "-o", trained)
            picked = [l.split()[0] for l in run.stdout.splitlines() if "picked" in l]
            fit_line = [l for l in run.stdout.splitlines() if l.startswith("lbfgs:")]
            acc = json.loads(tlc(args, "eval", trained, "--features", prefix + "-cut-test.x.npy",
                                 "--labels", prefix + "-test.labels.npy", "--json").stdout)["accuracy"]
            # The same penalty on both sides: the optimizers must agree. The
            # penalty tlc picked must be one scikit-learn's validation
            # accuracy ranks best too (ties within one validation sample:
            # near-flat optima differ there in a prediction or two).
            grid_scores = sklearn_grid(x[fit][:, cols], y[fit], x[val][:, cols], y[val],
                                       xt[:, cols], yt)
            l2 = min(L2_GRID, key=lambda v: abs(np.log(v) - np.log(float(picked[0])))) \
                if picked else None
            sk_best = max(L2_GRID, key=lambda v: grid_scores[v][0])
            sk_val, sk_acc = grid_scores[l2] if l2 else (0, 0)
            c.expect(f"{name} at {cut} [{width}]: tlc {acc:.4f} vs scikit-learn {sk_acc:.4f} "
                     f"at l2 {l2:.0e} (its own pick {sk_best:.0e}: {grid_scores[sk_best][1]:.4f}); "
                     f"{fit_line[0].split(';')[0] if fit_line else ''}",
                     l2 is not None and abs(acc - sk_acc) <= OPTIMUM_TOLERANCE and
                     sk_val >= grid_scores[sk_best][0] - 1.0 / len(val) - 1e-9)


def probe_checks(args, c, onnx_path, work, train_data, val_folder):
    """tlc probe end to end on a few cuts."""
    cuts = ["/_blocks.4/Add", "/_blocks.10/Add", "/Reshape"]
    best = os.path.join(work, "probe-best.tlb")
    plot = os.path.join(work, "probe.png")
    cache = os.path.join(work, "probe-cache")
    common = ["probe", onnx_path, "--data", train_data, "--limit", "600", "--val", val_folder,
              "--cuts", ",".join(reversed(cuts)), "--cache-dir", cache]
    r = tlc(args, *common, "-o", best, "--plot", plot, "--json")
    table = json.loads(r.stdout)
    names = [e["name"] for e in table["cuts"]]
    c.expect("probe: one row per cut, shallow to deep", names == cuts, names)
    c.expect("probe: depth, MACs and feature size grow with the cut",
             all(a["depth"] < b["depth"] and a["macs"] < b["macs"]
                 for a, b in zip(table["cuts"], table["cuts"][1:])) and
             [e["features"] for e in table["cuts"]] == [40, 112, 1280], table["cuts"])
    top = max(table["cuts"], key=lambda e: (e["val_accuracy"], -e["val_loss"]))
    c.expect("probe: the best cut is the one of the best validation accuracy",
             table["best"] == top["name"] == table["written"], table["best"])
    evaluated = json.loads(tlc(args, "eval", best, "--data", val_folder, "--json",
                               "--cache-dir", cache).stdout)["accuracy"]
    c.expect(f"probe: the written artifact's accuracy on the validation images "
             f"({evaluated:.4f}) is the probe's ({top['val_accuracy']:.4f})",
             abs(evaluated - top["val_accuracy"]) <= 1.0 / table["val_samples"] + 1e-9)
    with open(plot, "rb") as f:
        c.expect("probe --plot writes a PNG", f.read(8) == b"\x89PNG\r\n\x1a\n")
    picked = os.path.join(work, "probe-pick.tlb")
    again = tlc(args, *common, "-o", picked, "--pick", cuts[0])
    c.expect("probe: a second run reads every cut's features from the cache",
             again.stderr.count("from the cache") == 2, again.stderr[-300:])
    row = [l for l in again.stdout.splitlines() if l.startswith(cuts[0])][0]
    evaluated = json.loads(tlc(args, "eval", picked, "--data", val_folder, "--json",
                               "--cache-dir", cache).stdout)["accuracy"]
    expected = [e for e in table["cuts"] if e["name"] == cuts[0]][0]["val_accuracy"]
    c.expect(f"probe --pick writes that cut ({evaluated:.4f} vs {expected:.4f}): {row.split()[0]}",
             abs(evaluated - expected) <= 1.0 / table["val_samples"] + 1e-9)


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

    # Two real image datasets as image folders: Fashion-MNIST (Debian) and
    # scikit-learn's 8x8 digits.
    import gzip
    from sklearn.datasets import load_digits
    with gzip.open(f"{DATA}/t10k-images-idx3-ubyte.gz") as f:
        fashion = np.frombuffer(f.read()[16:], np.uint8).reshape(-1, 28, 28)
    with gzip.open(f"{DATA}/t10k-labels-idx1-ubyte.gz") as f:
        fashion_labels = np.frombuffer(f.read()[8:], np.uint8)
    fashion_val = os.path.join(work, "fashion-val")
    write_images(fashion_val, fashion[-300:], fashion_labels[-300:])
    digits = load_digits()
    order = np.random.default_rng(1).permutation(len(digits.target))
    digit_images = (digits.images * (255 / 16)).astype(np.uint8)
    for part, rows in (("train", order[:1297]), ("test", order[1297:])):
        write_images(os.path.join(work, "digits", part), digit_images[rows], digits.target[rows])
    every_cut(args, c, onnx_path, work, [
        ("fashion-mnist", f"{DATA}/train", f"{DATA}/t10k", (["--limit", "2000"], ["--limit", "1000"])),
        ("digits", os.path.join(work, "digits", "train"), os.path.join(work, "digits", "test"),
         ([], []))])
    probe_checks(args, c, onnx_path, work, f"{DATA}/train", fashion_val)

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
    test_features = ["--features", test_prefix + ".features.npy",
                     "--labels", test_prefix + ".labels.npy", "--json"]
    optimum = os.path.join(work, "optimum.tlb")
    tlc(args, "train", backbone, "--features", train_prefix + ".features.npy",
        "--labels", train_prefix + ".labels.npy", "--val-split", "0",
        "--l2", str(l2), "-o", optimum)
    opt_acc = json.loads(tlc(args, "eval", optimum, *test_features).stdout)["accuracy"]
    scaler = StandardScaler().fit(x_train)
    scaled = LogisticRegression(C=1.0 / (l2 * len(y_train)), max_iter=5000)
    scaled.fit(scaler.transform(x_train), y_train)
    scaled_acc = float((scaled.predict(scaler.transform(x_test)) == y_test).mean())
    c.expect(f"tlc's default fit ({opt_acc:.4f}) is within {OPTIMUM_TOLERANCE:.1%} of "
             f"StandardScaler + LogisticRegression ({scaled_acc:.4f})",
             abs(opt_acc - scaled_acc) <= OPTIMUM_TOLERANCE)

    common = ["--features", train_prefix + ".features.npy",
              "--labels", train_prefix + ".labels.npy", "--val-split", "0",
              "--epochs", "60", "--batch-size", "100", "--lr", "1e-3",
              "--l2", str(l2), "--seed", "3", "--solver", "adam", "--no-standardize"]
    tlc(args, "train", backbone, *common, "-o", trained)
    result = json.loads(tlc(args, "eval", trained, *test_features).stdout)
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
            train_prefix + ".labels.npy", "--val-split", "0", "--seed", "5",
            "--solver", "adam"]
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
