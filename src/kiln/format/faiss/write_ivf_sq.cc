// IndexIVFScalarQuantizer record (faiss/impl/index_write.cpp v1.7.3 :637):
//   fourcc IwSq | header | u64 nlist | u64 nprobe | nested quantizer (IxF2/IxFI)
//   | direct map: u8 type = 0, u64 0 | SQ block (see write_sq.cc)
//   | u64 code_size | u8 by_residual | "ilar" inverted lists of SQ codes
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/write_sq_block.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteIvfSq(const index::IvfScalarQuantizerIndex& index, ByteSink& sink) {
  if (!index.is_trained())
    return FailedPreconditionError("write Faiss index: {} is not trained", index.Describe());
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccIvfSq));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.nlist()));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.nprobe()));
  KILN_RETURN_IF_ERROR(WriteFlat(*index.quantizer(), sink));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, 0));   // direct map type: NoMap
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, 0));  // empty direct map array
  KILN_RETURN_IF_ERROR(WriteSqBlock(index.sq(), sink));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.code_size()));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, index.by_residual() ? 1 : 0));
  return WriteArrayInvertedLists(index.lists(), sink);
}

}  // namespace kiln::format
