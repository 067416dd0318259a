// IxPq reader and the reusable ProductQuantizer block reader (layouts in
// pq_records.h). HEAD's checks (M > 0, 1 <= nbits <= 24, centroid and code
// counts) plus d % M == 0 and d equal to the header's.
#include <cstring>
#include <vector>

#include "kiln/format/faiss/pq_records.h"
#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

StatusOr<ProductQuantizerRecord> ReadProductQuantizer(FaissReader& reader) {
  ProductQuantizerRecord r;
  r.offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.d, reader.ReadU64("u64 product quantizer d"));
  KILN_ASSIGN_OR_RETURN(r.M, reader.ReadU64("u64 product quantizer M"));
  KILN_ASSIGN_OR_RETURN(r.nbits, reader.ReadU64("u64 product quantizer nbits"));
  if (r.M == 0 || r.d == 0 || r.d > index::kMaxDimension || r.d % r.M != 0)
    return reader.Corrupt(r.offset, "product quantizer with 1 <= d <= 2^20 a multiple of M >= 1",
                          fmt::format("d = {}, M = {}", r.d, r.M));
  if (r.nbits < 1 || r.nbits > 24)
    return reader.Corrupt(r.offset + 16, "product quantizer nbits in 1..24",
                          fmt::format("{}", r.nbits));
  if (r.nbits > quant::ProductQuantizer::kMaxNbits)
    return reader.Unsupported(r.offset + 16, fmt::format("product quantizer nbits {} (kiln: 1..{})",
                                                         r.nbits,
                                                         quant::ProductQuantizer::kMaxNbits));
  const size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint64_t count, reader.ReadCount("product quantizer centroids",
                                                         sizeof(float)));
  const uint64_t expected = r.d << r.nbits;
  if (count != expected)
    return reader.Corrupt(at, fmt::format("d·2^nbits = {} centroid floats", expected),
                          fmt::format("{}", count));
  KILN_ASSIGN_OR_RETURN(r.centroids, reader.Take(count * sizeof(float), "PQ centroids"));
  return r;
}

StatusOr<quant::ProductQuantizer> MakeProductQuantizer(const ProductQuantizerRecord& record) {
  std::vector<float> centroids(record.d << record.nbits);
  std::memcpy(centroids.data(), record.centroids, centroids.size() * sizeof(float));
  return quant::ProductQuantizer::FromCentroids(record.d, record.M, record.nbits,
                                                std::move(centroids));
}

StatusOr<PqRecord> ParsePqBody(FaissReader& reader, const FaissIndexHeader& header) {
  PqRecord r;
  KILN_ASSIGN_OR_RETURN(r.pq, ReadProductQuantizer(reader));
  if (r.pq.d != static_cast<uint64_t>(header.d))
    return reader.Corrupt(r.pq.offset, fmt::format("product quantizer d = header d = {}", header.d),
                          fmt::format("{}", r.pq.d));
  const size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint64_t bytes, reader.ReadCount("PQ codes", 1));
  if (bytes / r.pq.code_size() != static_cast<uint64_t>(header.ntotal) ||
      bytes % r.pq.code_size() != 0)
    return reader.Corrupt(at, fmt::format("ntotal·code_size = {}·{} code bytes", header.ntotal,
                                          r.pq.code_size()),
                          fmt::format("{}", bytes));
  KILN_ASSIGN_OR_RETURN(r.codes, reader.Take(bytes, "PQ codes"));
  KILN_ASSIGN_OR_RETURN(r.search_type, reader.ReadI32("i32 search_type"));
  KILN_ASSIGN_OR_RETURN(r.encode_signs, reader.ReadU8("u8 encode_signs"));
  KILN_ASSIGN_OR_RETURN(r.polysemous_ht, reader.ReadI32("i32 polysemous_ht"));
  return r;
}

StatusOr<std::unique_ptr<index::PqIndex>> BuildPq(const IndexRecord& record,
                                                  const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& pq = std::get<PqRecord>(record.body);
  if (!record.header.is_trained)
    return reader.Unsupported(record.offset, "an untrained IndexPQ");
  if (pq.search_type != 0)
    return reader.Unsupported(record.offset,
                              fmt::format("IndexPQ search_type {} (kiln: 0, ST_PQ)",
                                          pq.search_type));
  KILN_ASSIGN_OR_RETURN(quant::ProductQuantizer quantizer, MakeProductQuantizer(pq.pq));
  std::vector<uint8_t> codes(static_cast<size_t>(record.header.ntotal) * pq.pq.code_size());
  if (!codes.empty()) std::memcpy(codes.data(), pq.codes, codes.size());
  return index::PqIndex::FromParts(metric, std::move(quantizer), std::move(codes));
}

}  // namespace kiln::format
