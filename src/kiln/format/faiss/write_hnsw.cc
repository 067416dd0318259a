// IHNf / IHNs writer; layout in hnsw_records.h.
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteHnswBlock(const index::HnswGraph& g, ByteSink& sink) {
  KILN_RETURN_IF_ERROR(WriteVector<double>(sink, g.assign_probas.data(), g.assign_probas.size()));
  KILN_RETURN_IF_ERROR(WriteVector<int32_t>(sink, g.cum_nneighbor_per_level.data(),
                                            g.cum_nneighbor_per_level.size()));
  KILN_RETURN_IF_ERROR(WriteVector<int32_t>(sink, g.levels.data(), g.levels.size()));
  KILN_RETURN_IF_ERROR(WriteVector<uint64_t>(sink, g.offsets.data(), g.offsets.size()));
  KILN_RETURN_IF_ERROR(WriteVector<int32_t>(sink, g.neighbors.data(), g.neighbors.size()));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, g.entry_point));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, g.max_level));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, g.ef_construction));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, g.ef_search));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, 1));  // upper_beam
  return OkStatus();
}

Status WriteHnsw(const index::HnswIndex& index, ByteSink& sink, bool skip_storage) {
  if (!index.is_trained())
    return FailedPreconditionError("write Faiss index: {} is not trained", index.Describe());
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  const bool sq = dynamic_cast<const index::ScalarQuantizerIndex*>(&index.storage()) != nullptr;
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, sq ? kFourccHnswSq : kFourccHnswFlat));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteHnswBlock(index.graph(), sink));
  if (skip_storage) return WriteField<uint32_t>(sink, kFourccNullStorage);
  return WriteIndexRecord(index.storage(), sink);
}

}  // namespace kiln::format
