// IwPQ body (faiss/impl/index_read.cpp v1.7.3 read_ivfpq, :482):
//   u64 nlist | u64 nprobe | nested quantizer record | u8 direct map type
//   | vector<int64> direct map | (type 2) vector<(int64, int64)>
//   | u8 by_residual | u64 code_size | ProductQuantizer block | inverted lists
// Faiss rebuilds its precomputed tables on load; nothing else is stored.
#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/pq_records.h"
#include "kiln/index/ivf_pq_index.h"

namespace kiln::format {

StatusOr<IvfPqRecord> ParseIvfPqBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth) {
  IvfPqRecord r;
  IvfRecord& ivf = r.ivf;
  KILN_RETURN_IF_ERROR(ParseIvfHeader(reader, header, depth, ivf));

  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.by_residual, reader.ReadU8("u8 by_residual"));
  if (r.by_residual > 1)
    return reader.Corrupt(at, "by_residual 0 or 1", fmt::format("{}", r.by_residual));
  const size_t code_size_at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.code_size, reader.ReadU64("u64 IVF-PQ code_size"));
  KILN_ASSIGN_OR_RETURN(r.pq, ReadProductQuantizer(reader));
  if (r.pq.d != static_cast<uint64_t>(header.d))
    return reader.Corrupt(r.pq.offset, fmt::format("product quantizer d = header d = {}", header.d),
                          fmt::format("{}", r.pq.d));
  if (r.code_size != r.pq.code_size())
    return reader.Corrupt(code_size_at,
                          fmt::format("code_size = the PQ code_size {}", r.pq.code_size()),
                          fmt::format("{}", r.code_size));

  KILN_RETURN_IF_ERROR(ParseIvfLists(reader, header, r.code_size, "IVF-PQ code_size", ivf));
  return r;
}

StatusOr<std::unique_ptr<index::Index>> BuildIvfPq(const IndexRecord& record,
                                                   const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& r = std::get<IvfPqRecord>(record.body);
  KILN_ASSIGN_OR_RETURN(IvfParts parts, BuildIvfParts(record, r.ivf, reader));
  KILN_ASSIGN_OR_RETURN(quant::ProductQuantizer pq, MakeProductQuantizer(r.pq));
  auto built = index::IvfPqIndex::FromParts(metric, std::move(parts.quantizer), std::move(pq),
                                            r.by_residual != 0, std::move(parts.lists),
                                            static_cast<size_t>(record.header.ntotal),
                                            r.ivf.nprobe);
  if (!built.ok())
    return reader.Corrupt(record.offset, "a consistent IVF-PQ index", built.status().message());
  return std::unique_ptr<index::Index>(std::move(built).value());
}

}  // namespace kiln::format
