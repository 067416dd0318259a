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
  KILN_ASSIGN_OR_RETURN(IvfParts parts, BuildIvfParts(record, ivf, reader));
  auto built =
      index::IvfFlatIndex::FromParts(metric, std::move(parts.quantizer), std::move(parts.lists),
                                     static_cast<size_t>(record.header.ntotal), ivf.nprobe);
  if (!built.ok())  // the parser checked these invariants already
    return reader.Corrupt(record.offset, "a consistent IVF-Flat index", built.status().message());
  return built;
}

}  // namespace kiln::format
