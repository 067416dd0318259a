// The parts every IVF record shares (faiss/impl/index_read.cpp v1.7.3
// read_ivf_header, read_direct_map, and the inverted-list consistency checks).
#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/fourcc.h"

namespace kiln::format {

Status ParseIvfHeader(FaissReader& reader, const FaissIndexHeader& header, int depth, IvfRecord& r) {
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.nlist, reader.ReadU64("u64 nlist"));
  if (r.nlist == 0) return reader.Corrupt(at, "nlist >= 1", "0");
  KILN_ASSIGN_OR_RETURN(r.nprobe, reader.ReadU64("u64 nprobe"));
  KILN_ASSIGN_OR_RETURN(r.quantizer, ParseIndexRecord(reader, depth + 1));
  if (r.quantizer->header.d != header.d)
    return reader.Corrupt(r.quantizer->offset + 4,
                          fmt::format("quantizer dimension d = {}", header.d),
                          fmt::format("{}", r.quantizer->header.d));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.direct_map_type, reader.ReadU8("u8 direct map type"));
  if (r.direct_map_type > 2)
    return reader.Corrupt(at, "direct map type 0, 1 or 2", fmt::format("{}", r.direct_map_type));
  KILN_ASSIGN_OR_RETURN(r.direct_map_size, reader.ReadCount("direct map array", sizeof(int64_t)));
  KILN_RETURN_IF_ERROR(
      reader.Take(r.direct_map_size * sizeof(int64_t), "direct map array").status());
  if (r.direct_map_type == 2) {  // hashtable entries: kiln does not keep a direct map
    KILN_ASSIGN_OR_RETURN(uint64_t pairs,
                          reader.ReadCount("direct map hashtable", 2 * sizeof(int64_t)));
    KILN_RETURN_IF_ERROR(reader.Take(pairs * 2 * sizeof(int64_t), "direct map hashtable").status());
  }
  return OkStatus();
}

Status ParseIvfLists(FaissReader& reader, const FaissIndexHeader& header, uint64_t code_size,
                     std::string_view code_size_rule, IvfRecord& r) {
  KILN_ASSIGN_OR_RETURN(r.lists, ParseInvertedLists(reader));
  if (r.lists.nlist != r.nlist)
    return reader.Corrupt(r.lists.offset + 4,
                          fmt::format("inverted lists nlist = {} (the IVF nlist)", r.nlist),
                          fmt::format("{}", r.lists.nlist));
  if (r.lists.code_size != code_size)
    return reader.Corrupt(r.lists.offset + 12, fmt::format("{} = {}", code_size_rule, code_size),
                          fmt::format("{}", r.lists.code_size));
  if (r.lists.total_size() != static_cast<uint64_t>(header.ntotal))
    return reader.Corrupt(r.lists.offset,
                          fmt::format("inverted lists holding ntotal = {} entries", header.ntotal),
                          fmt::format("{} entries", r.lists.total_size()));
  return OkStatus();
}

StatusOr<IvfParts> BuildIvfParts(const IndexRecord& record, const IvfRecord& ivf,
                                 const FaissReader& reader) {
  const IndexRecord& q = *ivf.quantizer;
  if (!std::holds_alternative<FlatRecord>(q.body))
    return reader.Unsupported(q.offset,
                              fmt::format("IVF coarse quantizer \"{}\"", FourccName(q.fourcc)));
  if (q.header.ntotal == 0)
    return reader.Unsupported(q.offset, "an untrained IVF index (its coarse quantizer is empty)");
  if (static_cast<uint64_t>(q.header.ntotal) != ivf.nlist)
    return reader.Corrupt(q.offset,
                          fmt::format("coarse quantizer with nlist = {} centroids", ivf.nlist),
                          fmt::format("ntotal {}", q.header.ntotal));
  if (q.header.metric_type != record.header.metric_type)
    return reader.Unsupported(
        q.offset, fmt::format("IVF quantizer metric_type {} under an index of metric_type {}",
                              q.header.metric_type, record.header.metric_type));
  IvfParts parts{nullptr, index::InvertedLists(ivf.nlist, ivf.lists.code_size)};
  KILN_ASSIGN_OR_RETURN(parts.quantizer, BuildFlat(q, reader));
  for (const ListView& list : ivf.lists.lists)
    parts.lists.Append(list.list_no, list.size, list.codes, list.ids);
  return parts;
}

}  // namespace kiln::format
