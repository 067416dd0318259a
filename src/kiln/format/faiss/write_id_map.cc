// IndexIDMap record (faiss/impl/index_write.cpp v1.7.3 :734):
//   fourcc IxMp | header (d, ntotal, is_trained, metric of the inner index) |
//   nested inner index record | vector<int64> id_map
// The inner index numbers its vectors 0..ntotal-1 (inner IVF lists hold
// these internal ids); id_map[i] is the external id of inner vector i.
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteIdMap(const index::IdMapIndex& index, ByteSink& sink) {
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccIdMap));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteIndexRecord(index.inner(), sink));
  return WriteVector<int64_t>(sink, index.id_map().data(), index.id_map().size());
}

}  // namespace kiln::format
