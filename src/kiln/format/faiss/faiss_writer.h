// Writes kiln indexes as Faiss index files that Faiss 1.7.3 (Debian 12) and
// current Faiss both load with faiss::read_index. Layouts: docs/formats/faiss.md.
//   FlatIndex    → IxF2 (L2) or IxFI (inner product, cosine)
//   IvfFlatIndex → IwFl with an IxF2/IxFI quantizer and "ilar" inverted lists
//   ScalarQuantizerIndex    → IxSQ
//   IvfScalarQuantizerIndex → IwSq with an IxF2/IxFI quantizer and "ilar" lists
//   IvfPqIndex   → IwPQ with an IxF2/IxFI quantizer and "ilar" lists
//   HnswIndex    → IHNf (Flat storage) / IHNs (SQ storage) with the storage nested
//   IdMapIndex   → IxMp around its inner index
#pragma once

#include "kiln/base/byte_sink.h"
#include "kiln/base/status.h"
#include "kiln/index/index.h"

namespace kiln::format {

// Appends the Faiss serialisation of index to sink, front to back.
// Unimplemented for index types without a Faiss layout here;
// FailedPrecondition for an untrained IVF index.
Status WriteFaissIndex(const index::Index& index, ByteSink& sink);

struct WriteOptions {
  /// Allow content Debian's libfaiss 1.7.3 cannot read (SQbf16, which Faiss
  /// >= 1.9 reads; IVF-PQ with nbits > 8, which Faiss >= 1.7.4 reads). When false such indexes fail with InvalidArgument.
  bool allow_non_faiss_173 = false;
};
// WriteFaissIndex after checking the index against options. Without options,
// the check runs with the defaults (WriteFaissIndex(index, sink) rejects SQbf16).
Status WriteFaissIndex(const index::Index& index, ByteSink& sink, const WriteOptions& options);

}  // namespace kiln::format
