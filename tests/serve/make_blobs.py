"""Writes k-NN blobs for the serve tests (run with /usr/bin/python3: numpy).

Usage: make_blobs.py OUT_PREFIX KIND N D SEED [ID_STEP] [TRUNCATE_BYTES]
KIND: float (clustered float32), byte (random int8) or binary (D bits packed
in D/8 bytes, 32 clusters with 1/16 of the bits flipped; the .npy holds the
packed uint8 codes). Writes
OUT_PREFIX.knnvec, OUT_PREFIX.knndid (int32 LE ids 1, 1+step, ...), and
OUT_PREFIX.npy / OUT_PREFIX_ids.npy for the libfaiss check.
"""
import sys

import numpy as np


def main():
    prefix, kind, n, d, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    step = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    truncate = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    rng = np.random.RandomState(seed)
    if kind == "float":
        centers = rng.randn(32, d).astype("float32") * 4
        x = (centers[rng.randint(0, 32, n)] + rng.randn(n, d)).astype("<f4")
    elif kind == "binary":
        centers = rng.randint(0, 2, size=(32, d)).astype("uint8")
        flips = (rng.random_sample((n, d)) < 1 / 16).astype("uint8")
        x = np.packbits(centers[rng.randint(0, 32, n)] ^ flips, axis=1)
    else:
        x = rng.randint(-128, 128, size=(n, d)).astype("int8")
    ids = (np.arange(n) * step + (1 if step > 1 else 0)).astype("<i4")
    raw = x.tobytes()
    open(prefix + ".knnvec", "wb").write(raw[: len(raw) - truncate])
    open(prefix + ".knndid", "wb").write(ids.tobytes())
    np.save(prefix + ".npy", x if kind == "binary" else x.astype("float32"))
    np.save(prefix + "_ids.npy", ids)


if __name__ == "__main__":
    main()
