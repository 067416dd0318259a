"""Writes the small good and bad input files the CLI end-to-end test uses.
usage: /usr/bin/python3 make_inputs.py DIR"""
import os
import sys

import numpy as np


def main(out):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 16)).astype("float32")
    np.save(os.path.join(out, "good.npy"), x)
    np.save(os.path.join(out, "queries.npy"), x[:20] + 0.01)
    nan = x.copy()
    nan[123, 5] = np.nan
    np.save(os.path.join(out, "nan.npy"), nan)
    np.save(os.path.join(out, "empty.npy"), np.zeros((0, 16), dtype="float32"))
    raw = open(os.path.join(out, "good.npy"), "rb").read()
    open(os.path.join(out, "truncated.npy"), "wb").write(raw[:-100])
    # fvecs whose second row claims a different dimension.
    with open(os.path.join(out, "missized.fvecs"), "wb") as f:
        np.array([16], dtype="<i4").tofile(f)
        x[0].tofile(f)
        np.array([15], dtype="<i4").tofile(f)
        x[1, :15].tofile(f)
    np.save(os.path.join(out, "ids.npy"), (np.arange(500, dtype="int64") * 7 + 1000))
    np.save(os.path.join(out, "ids_short.npy"), np.arange(10, dtype="int64"))


if __name__ == "__main__":
    main(sys.argv[1])
