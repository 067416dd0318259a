// Writes kiln indexes as Faiss index files that Faiss 1.7.3 (Debian 12) and
// current Faiss both load with faiss::read_index. Layouts: docs/formats/faiss.md.
//   FlatIndex    → IxF2 (L2) or IxFI (inner product, cosine)
//   IvfFlatIndex → IwFl with an IxF2/IxFI quantizer and "ilar" inverted lists
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

}  // namespace kiln::format
