"""Inputs and the numpy reference for runtime-params.test.

  runtime_params.py write DIR        the inputs as DIR/NAME.npy
  runtime_params.py check DIR OUT    compares OUT/{u,r,z}.npy with numpy
"""
import sys

import numpy as np

INPUTS = {
    "x": np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4),
    "starts": np.array([0], np.int32),
    "ends": np.array([1], np.int32),
    "axes": np.array([0], np.int64),
    "pads": np.array([0, 0, 1, 2, 0, 0, 3, 1], np.int64),
    "value": np.array(5, np.float32),
    "raxes": np.array([2, 3], np.int64),
    "scales": np.array([1, 1, 2, 2], np.float32),
}


def expected():
    x = INPUTS["x"]
    u = x[0:1][np.newaxis]
    p = np.pad(x, [(0, 0), (0, 0), (1, 3), (2, 1)], constant_values=5)
    r = p.sum(axis=(2, 3))
    # Nearest, half_pixel, round_prefer_floor, scale 2: each pixel twice.
    z = x.repeat(2, axis=2).repeat(2, axis=3)
    return {"u": u, "r": r, "z": z}


def main():
    if sys.argv[1] == "write":
        for name, value in INPUTS.items():
            np.save(f"{sys.argv[2]}/{name}.npy", value)
        return
    for name, want in expected().items():
        got = np.load(f"{sys.argv[3]}/{name}.npy")
        assert got.shape == want.shape, (name, got.shape, want.shape)
        assert np.array_equal(got, want), (name, got, want)
    print("runtime params: u, r and z match numpy")


if __name__ == "__main__":
    main()
