// IxPq writer and the reusable ProductQuantizer block writer (layouts in
// pq_records.h and docs/formats/faiss.md).
#include "kiln/format/faiss/pq_records.h"

namespace kiln::format {

Status WriteProductQuantizer(const quant::ProductQuantizer& pq, ByteSink& sink) {
  if (!pq.is_trained())
    return FailedPreconditionError("write Faiss index: product quantizer is not trained");
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, pq.d()));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, pq.M()));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, pq.nbits()));
  return WriteVector<float>(sink, pq.centroids().data(), pq.centroids().size());
}

Status WritePq(const index::PqIndex& index, ByteSink& sink) {
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  if (!index.is_trained())
    return FailedPreconditionError("write Faiss index: {} is not trained", index.Describe());
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccPq));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteProductQuantizer(index.pq(), sink));
  KILN_RETURN_IF_ERROR(WriteVector<uint8_t>(sink, index.codes().data(), index.codes().size()));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, 0));  // search_type ST_PQ
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, 0));  // encode_signs
  const auto polysemous_ht = static_cast<int32_t>(index.M() * index.nbits() + 1);
  return WriteField<int32_t>(sink, polysemous_ht);
}

}  // namespace kiln::format
