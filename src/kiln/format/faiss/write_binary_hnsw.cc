// Binary HNSW writer and the graph-only HNSW writer; layouts in
// faiss_hnsw_variants.h.
#include <limits>

#include "kiln/format/faiss/faiss_hnsw_variants.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/writers.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/index/id_map_index.h"

namespace kiln::format {
namespace {

inline constexpr uint32_t kFourccBinaryIdMap = Fourcc("IBMp");
inline constexpr uint32_t kFourccBinaryHnsw = Fourcc("IBHf");
inline constexpr uint32_t kFourccBinaryFlat = Fourcc("IBxF");

Status WriteBinaryHeader(const index::BinaryHnswIndex& index, ByteSink& sink) {
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, static_cast<int32_t>(index.d())));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, static_cast<int32_t>(index.code_size())));
  KILN_RETURN_IF_ERROR(WriteField<int64_t>(sink, static_cast<int64_t>(index.ntotal())));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, 1));  // is_trained
  return WriteField<int32_t>(sink, kFaissMetricL2);
}

}  // namespace

Status WriteFaissBinaryIndex(const index::BinaryHnswIndex& index, ByteSink& sink, bool skip_storage) {
  if (index.has_id_map()) {
    KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccBinaryIdMap));
    KILN_RETURN_IF_ERROR(WriteBinaryHeader(index, sink));
  }
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccBinaryHnsw));
  KILN_RETURN_IF_ERROR(WriteBinaryHeader(index, sink));
  KILN_RETURN_IF_ERROR(WriteHnswBlock(index.graph(), sink));
  if (skip_storage) {
    KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccNullStorage));
  } else {
    KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccBinaryFlat));
    KILN_RETURN_IF_ERROR(WriteBinaryHeader(index, sink));
    KILN_RETURN_IF_ERROR(WriteVector<uint8_t>(sink, index.codes().data(), index.codes().size()));
  }
  if (!index.has_id_map()) return OkStatus();
  return WriteVector<int64_t>(sink, index.id_map().data(), index.id_map().size());
}

Status WriteFaissIndexSkipStorage(const index::Index& index, ByteSink& sink) {
  const auto* id_map = dynamic_cast<const index::IdMapIndex*>(&index);
  const auto* hnsw = dynamic_cast<const index::HnswIndex*>(id_map != nullptr ? &id_map->inner() : &index);
  if (hnsw == nullptr)
    return InvalidArgumentError("write Faiss index without storage: \"{}\" is not an HNSW index",
                                index.Describe());
  if (id_map == nullptr) return WriteHnsw(*hnsw, sink, /*skip_storage=*/true);
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(*id_map));
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccIdMap));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteHnsw(*hnsw, sink, /*skip_storage=*/true));
  return WriteVector<int64_t>(sink, id_map->id_map().data(), id_map->id_map().size());
}

}  // namespace kiln::format
