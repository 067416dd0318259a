// Faiss index-factory strings (faiss/index_factory.h) → IndexSpec, and
// IndexSpec → an empty kiln index. Grammar (case-sensitive, no spaces, as in
// Faiss; docs/factory.md has the full version):
//   spec   := ["IDMap,"] [opq ","] body | [opq ","] body ",IDMap"
//   opq    := "OPQ" <M> ["_" <dout>]                       (parsed, Unimplemented)
//   body   := "Flat" | pq | sq
//           | "IVF" <nlist> ["_HNSW" [<M>]] "," code
//           | "HNSW" [<M>] [("," | "_") code]              (M defaults to 32)
//   code   := "Flat" | pq | sq
//   pq     := "PQ" <M> ["x" <nbits>] ["np"]                 (nbits 1..12, default 8)
//   sq     := "SQ4" | "SQ6" | "SQ8" | "SQfp16" | "SQ8_direct" | "SQbf16"
//           | "SQ8_uniform" | "SQ4_uniform"                 (kiln spellings)
// Other Faiss components (PCA, Refine, RFlat, IDMap2, NSG, ...) are recognised
// and rejected as Unimplemented; anything else is InvalidArgument. Errors name
// the component (1-based), its byte offset and what was expected there.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "kiln/index/index.h"
#include "kiln/index/index_spec.h"
#include "kiln/index/ivf_train_params.h"

namespace kiln::index {

// Parses a factory string; see the grammar above. Succeeds for every family of
// the grammar, including ones no index builds yet (see IsImplemented).
StatusOr<IndexSpec> ParseFactoryString(std::string_view description);

// True when CreateIndex can build spec in this build of kiln.
bool IsImplemented(const IndexSpec& spec);

// OK when IsImplemented(spec), else Unimplemented naming the missing part.
Status CheckImplemented(const IndexSpec& spec);

// Creates an empty index for spec: ValidateSpec(spec, d), then Unimplemented
// for families no index implements yet. Search defaults in spec (nprobe) are
// applied to the index so they are stored in its file.
StatusOr<std::unique_ptr<Index>> CreateIndex(const IndexSpec& spec, size_t d, Metric metric,
                                             const IvfTrainParams& ivf_params = {});

}  // namespace kiln::index
