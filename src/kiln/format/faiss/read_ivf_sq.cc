// IwSq body (faiss/impl/index_read.cpp v1.7.3 :637):
//   u64 nlist | u64 nprobe | nested quantizer record | u8 direct map type
//   | vector<int64> direct map | (type 2) vector<(int64, int64)>
//   | SQ block | u64 code_size | u8 by_residual | inverted lists
#include <cstring>

#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/write_sq_block.h"
#include "kiln/index/ivf_sq_index.h"

namespace kiln::format {

StatusOr<IvfSqRecord> ParseIvfSqBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth) {
  IvfSqRecord r;
  IvfRecord& ivf = r.ivf;
  KILN_RETURN_IF_ERROR(ParseIvfHeader(reader, header, depth, ivf));

  KILN_ASSIGN_OR_RETURN(r.sq, ParseSqBlock(reader, header));
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.code_size, reader.ReadU64("u64 IVF-SQ code_size"));
  if (r.code_size != r.sq.code_size)
    return reader.Corrupt(at, fmt::format("code_size = the SQ code_size {}", r.sq.code_size),
                          fmt::format("{}", r.code_size));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.by_residual, reader.ReadU8("u8 by_residual"));
  if (r.by_residual > 1) return reader.Corrupt(at, "by_residual 0 or 1", fmt::format("{}", r.by_residual));

  KILN_RETURN_IF_ERROR(ParseIvfLists(reader, header, r.code_size, "IVF-SQ code_size", ivf));
  return r;
}

StatusOr<std::unique_ptr<index::Index>> BuildIvfSq(const IndexRecord& record,
                                                   const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& r = std::get<IvfSqRecord>(record.body);
  KILN_ASSIGN_OR_RETURN(IvfParts parts, BuildIvfParts(record, r.ivf, reader));
  KILN_ASSIGN_OR_RETURN(quant::ScalarQuantizer sq, BuildSqBlock(r.sq, reader));
  auto built = index::IvfScalarQuantizerIndex::FromParts(
      metric, std::move(parts.quantizer), std::move(sq), r.by_residual != 0, std::move(parts.lists),
      static_cast<size_t>(record.header.ntotal), r.ivf.nprobe);
  if (!built.ok())
    return reader.Corrupt(record.offset, "a consistent IVF-SQ index", built.status().message());
  return std::unique_ptr<index::Index>(std::move(built).value());
}

}  // namespace kiln::format
