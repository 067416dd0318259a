// IndexIVFPQ record (faiss/impl/index_write.cpp v1.7.3 :~690):
//   fourcc IwPQ | header | u64 nlist | u64 nprobe | nested quantizer (IxF2/IxFI)
//   | direct map: u8 type = 0, u64 0 | u8 by_residual | u64 code_size
//   | ProductQuantizer block (see pq_records.h) | "ilar" inverted lists
// Note the order: by_residual before code_size, unlike IwSq.
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/pq_records.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status CheckIvfPqCompatible(const index::Index& index, const WriteOptions& options) {
  const index::Index* inner = &index;
  if (const auto* map = dynamic_cast<const index::IdMapIndex*>(inner)) inner = &map->inner();
  const auto* ivf_pq = dynamic_cast<const index::IvfPqIndex*>(inner);
  if (ivf_pq != nullptr && ivf_pq->nbits() > 8 && !options.allow_non_faiss_173)
    return InvalidArgumentError(
        "IVF-PQ with nbits = {} > 8 cannot be loaded by Faiss 1.7.3 (its IndexIVFPQ rejects "
        "nbits > 8; Faiss >= 1.7.4 reads it): writing \"{}\" needs "
        "WriteOptions::allow_non_faiss_173",
        ivf_pq->nbits(), index.Describe());
  return OkStatus();
}

Status WriteIvfPq(const index::IvfPqIndex& index, ByteSink& sink) {
  KILN_RETURN_IF_ERROR(WriteIvfHeader(kFourccIvfPq, index, sink));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, index.by_residual() ? 1 : 0));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.code_size()));
  KILN_RETURN_IF_ERROR(WriteProductQuantizer(index.pq(), sink));
  return WriteArrayInvertedLists(index.lists(), sink);
}

}  // namespace kiln::format
