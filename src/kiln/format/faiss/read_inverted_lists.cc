// "ilar" ArrayInvertedLists (faiss/impl/index_read.cpp read_InvertedLists):
//   "ilar" | u64 nlist | u64 code_size | "full" vector<u64> nlist sizes
//                                      | "sprs" vector<u64> (list_no, size) pairs
//   | per non-empty list in list order: size·code_size code bytes, size int64 ids
#include <algorithm>

#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

StatusOr<InvertedListsRecord> ParseInvertedLists(FaissReader& reader) {
  InvertedListsRecord r;
  r.offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint32_t fourcc, reader.ReadU32("u32 inverted lists fourcc"));
  if (fourcc != kFourccArrayLists) {
    const std::string name = FourccName(fourcc);
    if (name.starts_with("0x"))
      return reader.Corrupt(r.offset, "inverted lists type \"ilar\"", name);
    return reader.Unsupported(r.offset, fmt::format("inverted lists type \"{}\"", name));
  }
  KILN_ASSIGN_OR_RETURN(r.nlist, reader.ReadU64("u64 inverted lists nlist"));
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.code_size, reader.ReadU64("u64 code_size"));
  if (r.code_size == 0) return reader.Corrupt(at, "code_size >= 1", "0");
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.layout, reader.ReadU32("u32 list layout fourcc"));
  if (r.layout != kFourccListsFull && r.layout != kFourccListsSparse)
    return reader.Corrupt(at, "list layout \"full\" or \"sprs\"",
                          fmt::format("\"{}\"", FourccName(r.layout)));

  at = reader.offset();
  if (r.layout == kFourccListsFull) {
    KILN_ASSIGN_OR_RETURN(uint64_t count, reader.ReadCount("list sizes", sizeof(uint64_t)));
    if (count != r.nlist)
      return reader.Corrupt(at, fmt::format("{} list sizes (nlist)", r.nlist),
                            fmt::format("{}", count));
    KILN_ASSIGN_OR_RETURN(const uint8_t* sizes,
                          reader.Take(count * sizeof(uint64_t), "list sizes"));
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t size = LoadU64(sizes + i * sizeof(uint64_t));
      if (size > 0) r.lists.push_back({i, size, nullptr, nullptr});
    }
  } else {
    KILN_ASSIGN_OR_RETURN(uint64_t count,
                          reader.ReadCount("(list_no, size) pairs", sizeof(uint64_t)));
    if (count % 2 != 0)
      return reader.Corrupt(at, "an even number of (list_no, size) values",
                            fmt::format("{}", count));
    KILN_ASSIGN_OR_RETURN(const uint8_t* pairs,
                          reader.Take(count * sizeof(uint64_t), "(list_no, size) pairs"));
    for (uint64_t i = 0; i < count; i += 2) {
      const uint64_t list_no = LoadU64(pairs + i * sizeof(uint64_t));
      const uint64_t size = LoadU64(pairs + (i + 1) * sizeof(uint64_t));
      if (list_no >= r.nlist)
        return reader.Corrupt(at + 8 + i * sizeof(uint64_t),
                              fmt::format("list_no < nlist = {}", r.nlist),
                              fmt::format("{}", list_no));
      if (size > 0) r.lists.push_back({list_no, size, nullptr, nullptr});
    }
    std::sort(r.lists.begin(), r.lists.end(),
              [](const ListView& a, const ListView& b) { return a.list_no < b.list_no; });
    for (size_t i = 1; i < r.lists.size(); ++i) {
      if (r.lists[i].list_no == r.lists[i - 1].list_no)
        return reader.Corrupt(at, "each list_no at most once in the sparse sizes",
                              fmt::format("list {} twice", r.lists[i].list_no));
    }
  }

  // Codes then ids of each non-empty list, in list order.
  for (ListView& list : r.lists) {
    at = reader.offset();
    if (r.code_size > reader.remaining() || list.size > reader.remaining() / (r.code_size + 8))
      return reader.Corrupt(
          at,
          fmt::format("codes and ids of list {} ({} entries of {} + 8 bytes)", list.list_no,
                      list.size, r.code_size),
          fmt::format("only {} bytes before the end of data", reader.remaining()));
    KILN_ASSIGN_OR_RETURN(list.codes, reader.Take(list.size * r.code_size, "list codes"));
    KILN_ASSIGN_OR_RETURN(list.ids, reader.Take(list.size * sizeof(int64_t), "list ids"));
  }
  return r;
}

}  // namespace kiln::format
