// IndexFlat record (faiss/impl/index_write.cpp v1.7.3 :396):
//   fourcc IxF2 (L2) / IxFI (IP) | header | u64 nwords = ntotal·d | nwords float32
// nwords counts float words, not bytes (WRITEXBVECTOR).
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteFlat(const index::FlatIndex& index, ByteSink& sink) {
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  header.is_trained = true;
  const uint32_t fourcc = header.metric_type == kFaissMetricL2 ? kFourccFlatL2 : kFourccFlatIP;
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, fourcc));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  return WriteVector<float>(sink, index.vectors(), index.ntotal() * index.d());
}

}  // namespace kiln::format
