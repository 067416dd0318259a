"""Loads a kiln-built .faiss with Debian's libfaiss (run with /usr/bin/python3).

Usage: faiss_check_knn.py INDEX VECTORS.npy IDS.npy METRIC(l2|ip) HNSW|Flat MIN_RECALL
Checks: IxMp on top, the nested index fourcc, the storage fourcc, the id map
equals the uploaded doc ids (non-decreasing), and recall@10 of 100 base rows
against exact search, with the answers mapped to doc ids.
"""
import struct
import sys

import faiss
import numpy as np


def main():
    path, vectors, ids, metric, nested, min_recall = sys.argv[1:7]
    raw = open(path, "rb").read()
    assert raw[:4] == b"IxMp", raw[:4]
    metric_type = struct.unpack_from("<i", raw, 4 + 4 + 8 + 8 + 8 + 1)[0]
    assert metric_type == (1 if metric == "l2" else 0), metric_type
    storage = b"IxF2" if metric == "l2" else b"IxFI"
    nested = "IHNf" if nested == "HNSW" else storage.decode()
    assert raw[37:41] == nested.encode(), (raw[37:41], nested)
    assert storage in raw, "no storage section " + storage.decode()
    x = np.load(vectors).astype("float32")
    doc_ids = np.load(ids).astype("int64")
    index = faiss.read_index(path)
    assert index.ntotal == x.shape[0] and index.d == x.shape[1], (index.ntotal, index.d)
    id_map = faiss.vector_to_array(index.id_map)
    assert (id_map == doc_ids).all(), "id_map differs from the uploaded doc ids"
    assert (np.diff(id_map) >= 0).all(), "id_map is not non-decreasing"
    if nested == "IHNf":
        faiss.downcast_index(index.index).hnsw.efSearch = 128
    q = x[:: max(1, x.shape[0] // 100)][:100]
    exact = faiss.IndexFlatL2(x.shape[1]) if metric == "l2" else faiss.IndexFlatIP(x.shape[1])
    exact.add(x)
    _, truth = exact.search(q, 10)
    _, found = index.search(q, 10)
    truth_ids = doc_ids[truth]
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth_ids, found)])
    print(f"libfaiss {faiss.__version__}: {path}: IxMp/{nested}/{storage.decode()} n={index.ntotal} "
          f"recall@10={recall:.3f}")
    assert recall >= float(min_recall), f"recall {recall} below {min_recall}"


if __name__ == "__main__":
    main()
