// Reads Faiss index files into kiln indexes: IxF2, IxFI, IxFl (L2 and inner
// product only), IwFl with "ilar" lists (full or sprs), IxMp and IxM2, IxPq,
// IxSQ, IwSq, IwPQ, and IHNf / IHNs (HNSW graphs, validated as current Faiss
// does).
// Hostile input is safe: every size is checked against the remaining bytes
// before anything is allocated, and no read goes past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "kiln/base/status.h"
#include "kiln/index/index.h"

namespace kiln::format {

// Parses the whole buffer as one index. source_name labels errors:
//   DataLoss       "x.index: offset 37: expected u64 size of ..., found ..."
//                  (truncated, corrupt or inconsistent data, trailing bytes)
//   Unimplemented  "x.index: offset 0: index type \"IHNp\" is not supported by this reader"
// Faiss's inner product metric reads back as Metric::kInnerProduct (files do
// not record cosine).
StatusOr<std::unique_ptr<index::Index>> ReadFaissIndex(const uint8_t* data, size_t size,
                                                       std::string_view source_name);

}  // namespace kiln::format
