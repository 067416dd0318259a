#!/usr/bin/python3
"""Faiss flat k-means for the partition benchmark (Debian python3-faiss 1.7.3).

Trains the bottom level on the same sample kiln uses (the first
min(n, 256 * k_bottom) rows after a seeded shuffle is what faiss does itself
with max_points_per_centroid=256), then each upper level on the centroids of
the level below, like the public 2-layer guide. Writes one .npy per level,
top-first, and prints {"tool":"faiss","seconds":...} on stdout.
"""
import json
import sys
import time

import faiss
import numpy as np

data, lists, out_prefix = sys.argv[1], [int(v) for v in sys.argv[2].split(",")], sys.argv[3]
x = np.load(data, mmap_mode="r")
x = np.ascontiguousarray(x, dtype="float32")
d = x.shape[1]
t0 = time.time()
levels = [None] * len(lists)
below = x
for i in reversed(range(len(lists))):
    km = faiss.Kmeans(d, lists[i], niter=10, seed=42, max_points_per_centroid=256, verbose=False)
    km.train(below)
    levels[i] = km.centroids
    below = km.centroids
seconds = time.time() - t0
paths = []
for i, c in enumerate(levels):
    p = f"{out_prefix}_level{i}.npy"
    np.save(p, c)
    paths.append(p)
print(json.dumps({"tool": "faiss", "lists": sys.argv[2], "seconds": seconds, "files": ",".join(paths)}))
