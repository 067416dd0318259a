"""Loads a kiln-written index with Debian's Faiss (python3-faiss 1.7.3) and
checks that Faiss's top-k equals kiln's search output.

usage: /usr/bin/python3 faiss_check.py INDEX QUERIES.npy KILN_IDS.npy K NPROBE [EF_SEARCH]
(EF_SEARCH: HNSW efSearch, for HNSW files)
Exits 0 when the id lists agree (up to exact distance ties), 1 otherwise.
"""
import sys

import faiss
import numpy as np


def main():
    index_path, queries_path, kiln_ids_path, k, nprobe = sys.argv[1:6]
    k, nprobe = int(k), int(nprobe)
    index = faiss.read_index(index_path)
    try:
        faiss.ParameterSpace().set_index_parameter(index, "nprobe", nprobe)
    except RuntimeError:
        pass  # not an IVF index
    if len(sys.argv) > 6:
        faiss.ParameterSpace().set_index_parameter(index, "efSearch", int(sys.argv[6]))
    queries = np.load(queries_path).astype("float32")
    distances, ids = index.search(queries, k)
    kiln_ids = np.load(kiln_ids_path)
    kiln_dist = np.load(kiln_ids_path[:-4] + ".distances.npy")
    assert kiln_ids.shape == ids.shape, (kiln_ids.shape, ids.shape)
    mismatched_rows = 0
    for q in range(ids.shape[0]):
        if not np.array_equal(ids[q], kiln_ids[q]):
            # Allowed only where distances tie: the sets of distances must agree.
            if not np.allclose(np.sort(distances[q]), np.sort(kiln_dist[q]), rtol=1e-4, atol=1e-3):
                mismatched_rows += 1
    print(f"faiss {faiss.__version__} loaded {index_path}: ntotal={index.ntotal} d={index.d}, "
          f"{ids.shape[0] - mismatched_rows}/{ids.shape[0]} queries identical to kiln")
    return 0 if mismatched_rows == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
