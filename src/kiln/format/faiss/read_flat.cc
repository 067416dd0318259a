// IxF2 / IxFI / IxFl body: u64 nwords (= ntotal·d float words) + the floats
// (faiss/impl/index_read.cpp v1.7.3 :528). The header's metric decides.
#include <cstring>
#include <vector>

#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

StatusOr<FlatRecord> ParseFlatBody(FaissReader& reader, const FaissIndexHeader& header) {
  const size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint64_t nwords,
                        reader.ReadCount("flat vectors (float32 words)", sizeof(float)));
  const auto d = static_cast<uint64_t>(header.d);
  if (nwords % d != 0 || nwords / d != static_cast<uint64_t>(header.ntotal))
    return reader.Corrupt(at, fmt::format("nwords = ntotal·d = {}·{}", header.ntotal, header.d),
                          fmt::format("{}", nwords));
  FlatRecord record;
  KILN_ASSIGN_OR_RETURN(record.vectors, reader.Take(nwords * sizeof(float), "flat vectors"));
  return record;
}

StatusOr<std::unique_ptr<index::FlatIndex>> BuildFlat(const IndexRecord& record,
                                                      const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& flat = std::get<FlatRecord>(record.body);
  const auto d = static_cast<size_t>(record.header.d);
  std::vector<float> vectors(static_cast<size_t>(record.header.ntotal) * d);
  if (!vectors.empty()) std::memcpy(vectors.data(), flat.vectors, vectors.size() * sizeof(float));
  return index::FlatIndex::FromVectors(d, metric, std::move(vectors));
}

}  // namespace kiln::format
