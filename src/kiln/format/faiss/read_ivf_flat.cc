// IwFl body (faiss/impl/index_read.cpp v1.7.3 read_ivf_header, read_direct_map):
//   u64 nlist | u64 nprobe | nested quantizer record | u8 direct map type
//   | vector<int64> direct map array | (type 2 only) vector<(int64, int64)>
//   | inverted lists
#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

StatusOr<IvfRecord> ParseIvfFlatBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth) {
  IvfRecord r;
  KILN_RETURN_IF_ERROR(ParseIvfHeader(reader, header, depth, r));
  KILN_RETURN_IF_ERROR(ParseIvfLists(reader, header, static_cast<uint64_t>(header.d) * sizeof(float),
                                     "IVF-Flat code_size = 4·d", r));
  return r;
}

StatusOr<std::unique_ptr<index::IvfFlatIndex>> BuildIvfFlat(const IndexRecord& record,
                                                            const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& ivf = std::get<IvfRecord>(record.body);
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
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<index::FlatIndex> quantizer, BuildFlat(q, reader));

  index::InvertedLists lists(ivf.nlist, ivf.lists.code_size);
  for (const ListView& list : ivf.lists.lists)
    lists.Append(list.list_no, list.size, list.codes, list.ids);
  auto built =
      index::IvfFlatIndex::FromParts(metric, std::move(quantizer), std::move(lists),
                                     static_cast<size_t>(record.header.ntotal), ivf.nprobe);
  if (!built.ok())  // the parser checked these invariants already
    return reader.Corrupt(record.offset, "a consistent IVF-Flat index", built.status().message());
  return built;
}

}  // namespace kiln::format
