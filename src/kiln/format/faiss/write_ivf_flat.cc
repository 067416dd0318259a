// IndexIVFFlat record (faiss/impl/index_write.cpp v1.7.3 :630, :385, :248):
//   fourcc IwFl | header | u64 nlist | u64 nprobe | nested quantizer (IxF2/IxFI)
//   | direct map: u8 type = 0, u64 0 (empty int64 vector)
//   | inverted lists: "ilar" | u64 nlist | u64 code_size
//       | "full" vector<u64> of nlist sizes   (more than nlist/2 lists non-empty)
//       | "sprs" vector<u64> of (list_no, size) pairs of non-empty lists (otherwise)
//       | for each non-empty list in list order: size·code_size code bytes, size int64 ids
#include <vector>

#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteArrayInvertedLists(const index::InvertedLists& lists, ByteSink& sink) {
  const size_t nlist = lists.nlist();
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccArrayLists));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, nlist));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, lists.code_size()));
  std::vector<uint64_t> sizes;
  if (lists.nonempty_lists() > nlist / 2) {  // Faiss's rule, integer division
    KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccListsFull));
    sizes.reserve(nlist);
    for (size_t i = 0; i < nlist; ++i) sizes.push_back(lists.list_size(i));
  } else {
    KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccListsSparse));
    for (size_t i = 0; i < nlist; ++i) {
      if (lists.list_size(i) == 0) continue;
      sizes.push_back(i);
      sizes.push_back(lists.list_size(i));
    }
  }
  KILN_RETURN_IF_ERROR(WriteVector<uint64_t>(sink, sizes.data(), sizes.size()));
  for (size_t i = 0; i < nlist; ++i) {
    const size_t n = lists.list_size(i);
    if (n == 0) continue;
    KILN_RETURN_IF_ERROR(sink.Append(lists.codes(i), n * lists.code_size()));
    KILN_RETURN_IF_ERROR(sink.Append(lists.ids(i), n * sizeof(int64_t)));
  }
  return OkStatus();
}

Status WriteIvfHeader(uint32_t fourcc, const index::IvfIndex& index, ByteSink& sink) {
  if (!index.is_trained())
    return FailedPreconditionError("write Faiss index: {} is not trained", index.Describe());
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, fourcc));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.nlist()));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, index.nprobe()));
  KILN_RETURN_IF_ERROR(WriteFlat(*index.quantizer(), sink));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, 0));  // direct map type: NoMap
  return WriteField<uint64_t>(sink, 0);                // empty direct map array
}

Status WriteIvfFlat(const index::IvfFlatIndex& index, ByteSink& sink) {
  KILN_RETURN_IF_ERROR(WriteIvfHeader(kFourccIvfFlat, index, sink));
  return WriteArrayInvertedLists(index.lists(), sink);
}

}  // namespace kiln::format
