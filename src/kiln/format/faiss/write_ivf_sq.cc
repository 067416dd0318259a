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
  KILN_RETURN_IF_ERROR(WriteIvfHeader(kFourccIvfSq, index, sink));
  KILN_RETURN_IF_ERROR(WriteSqBlock(index.sq(), sink));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.code_size()));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, index.by_residual() ? 1 : 0));
  return WriteArrayInvertedLists(index.lists(), sink);
}

}  // namespace kiln::format
