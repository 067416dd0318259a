"""Checks kiln serve's OpenSearch outputs with Debian's libfaiss (run with /usr/bin/python3).

Usage:
  faiss_check_binary.py binary INDEX CODES.npy IDS.npy MIN_RECALL
    IBMp → IBHf → IBxF loaded by faiss.read_index_binary; the id map equals the
    uploaded doc ids; recall@10 (by Hamming distance, ties count) of 100 base
    rows against IndexBinaryFlat, the answers mapped to doc ids.
  faiss_check_binary.py skip NORMAL_INDEX SKIPPED_INDEX
    The skip_stored_vectors file equals the normal one with its storage record
    (IxF2/IxFI) replaced by the 4 bytes "null": same IxMp/IHNf headers and
    HNSW block before it, same id map after it.
"""
import struct
import sys

import faiss
import numpy as np


def check_binary(path, codes_npy, ids_npy, min_recall):
    raw = open(path, "rb").read()
    codes = np.load(codes_npy)
    doc_ids = np.load(ids_npy).astype("int64")
    n, code_size = codes.shape
    header = struct.pack("<iiqBi", code_size * 8, code_size, n, 1, 1)
    assert raw[:4] == b"IBMp" and raw[4:25] == header, raw[:25]
    assert raw[25:29] == b"IBHf" and raw[29:50] == header, raw[25:50]
    index = faiss.read_index_binary(path)
    assert index.ntotal == n and index.d == code_size * 8, (index.ntotal, index.d)
    id_map = faiss.vector_to_array(index.id_map)
    assert (id_map == doc_ids).all(), "id_map differs from the uploaded doc ids"
    hnsw = faiss.downcast_IndexBinary(index.index)
    assert isinstance(hnsw, faiss.IndexBinaryHNSW), type(hnsw)
    hnsw.hnsw.efSearch = 64
    q = codes[:: max(1, n // 100)][:100]
    exact = faiss.IndexBinaryFlat(code_size * 8)
    exact.add(codes)
    true_d, _ = exact.search(q, 10)
    found_d, found = index.search(q, 10)
    row_of = {int(i): r for r, i in enumerate(doc_ids)}
    for qi in range(len(q)):
        for j in range(10):
            row = row_of[int(found[qi, j])]
            dist = int(np.unpackbits(np.bitwise_xor(q[qi], codes[row])).sum())
            assert dist == found_d[qi, j], (qi, j, dist, found_d[qi, j])
    recall = float(np.mean(found_d <= true_d[:, -1:]))
    print(f"libfaiss {faiss.__version__}: {path}: IBMp/IBHf/IBxF n={n} d={code_size * 8} "
          f"recall@10 by distance={recall:.3f}")
    assert recall >= min_recall, f"recall {recall} below {min_recall}"


def storage_span(raw):
    """(begin, end) of the storage record of an IxMp → IHNf → IxF2/IxFI file."""
    assert raw[:4] == b"IxMp" and raw[37:41] == b"IHNf", (raw[:4], raw[37:41])
    off = 37 + 37
    for size in (8, 4, 4, 8, 4):  # assign_probas, cum_nneighbor_per_level, levels, offsets, neighbors
        count = struct.unpack_from("<Q", raw, off)[0]
        off += 8 + count * size
    off += 5 * 4  # entry_point, max_level, efConstruction, efSearch, upper_beam
    begin = off
    assert raw[begin:begin + 4] in (b"IxF2", b"IxFI"), raw[begin:begin + 4]
    count = struct.unpack_from("<Q", raw, begin + 37)[0]
    return begin, begin + 37 + 8 + 4 * count


def check_skip(normal_path, skipped_path):
    normal = open(normal_path, "rb").read()
    skipped = open(skipped_path, "rb").read()
    begin, end = storage_span(normal)
    assert skipped[begin:begin + 4] == b"null", skipped[begin:begin + 4]
    assert skipped == normal[:begin] + b"null" + normal[end:], "skip file differs outside the storage record"
    index = faiss.read_index(normal_path)  # the normal file still loads
    print(f"skip_stored_vectors: {skipped_path}: {len(skipped)} bytes = {len(normal)} - storage "
          f"{end - begin} + 4 ('null' at offset {begin}); normal file n={index.ntotal}")


def main():
    if sys.argv[1] == "binary":
        check_binary(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        check_skip(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
