// Faiss index-factory strings (faiss/index_factory.h) for the families kiln
// builds. Grammar accepted now (case-sensitive, no spaces, as in Faiss):
//   spec   := ["IDMap,"] body | body ",IDMap"
//   body   := "Flat" | "IVF" <nlist> ",Flat"
// Other Faiss families (PQ, SQ, HNSW, OPQ, PCA, Refine, ...) are recognised
// and rejected as Unimplemented; anything else is InvalidArgument. Errors name
// the component (1-based), its byte offset and what was expected.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "kiln/index/index.h"
#include "kiln/index/ivf_train_params.h"

namespace kiln::index {

// Top-level structure of the index. Next: kHnsw.
enum class IndexFamily { kFlat, kIvf };

// How vectors are stored (in an IVF list or a flat array). Next: kPq, kSq.
enum class CodecKind { kFlat };

struct CodecSpec {
  CodecKind kind = CodecKind::kFlat;
  // Next: pq_m, pq_nbits, sq_type.
  bool operator==(const CodecSpec&) const = default;
};

struct IndexSpec {
  IndexFamily family = IndexFamily::kFlat;
  /// kIvf: number of inverted lists (1 .. kMaxNlist).
  size_t nlist = 0;
  CodecSpec codec;
  /// Wrap in IDMap: vectors carry caller-chosen ids.
  bool id_map = false;

  // Canonical factory string: "Flat", "IVF256,Flat", "IDMap,IVF256,Flat".
  std::string ToFactoryString() const;
  bool operator==(const IndexSpec&) const = default;
};

// Parses a factory string; see the grammar above.
StatusOr<IndexSpec> ParseFactoryString(std::string_view description);

// Creates an empty index for spec. InvalidArgument when d is outside
// [1, kMaxDimension] or the spec's numbers are out of range.
StatusOr<std::unique_ptr<Index>> CreateIndex(const IndexSpec& spec, size_t d, Metric metric,
                                             const IvfTrainParams& ivf_params = {});

}  // namespace kiln::index
