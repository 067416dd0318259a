// Builds kiln indexes from parsed Faiss records (internal to kiln_format).
// Errors name the reader's source and the record offsets: Unimplemented for
// valid Faiss content kiln cannot represent (metrics other than L2/IP,
// non-flat quantizers, untrained IVF), DataLoss for inconsistent records.
#pragma once

#include <memory>

#include "kiln/format/faiss/records.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::format {

// Metric of a record's header: 1 → kL2, 0 → kInnerProduct, else Unimplemented.
// Shared by every IVF record: nlist, nprobe, the nested quantizer and the
// direct map (skipped); then the inverted lists, checked against nlist, the
// expected code_size (`code_size_rule` names it in errors) and ntotal.
Status ParseIvfHeader(FaissReader& reader, const FaissIndexHeader& header, int depth, IvfRecord& r);
Status ParseIvfLists(FaissReader& reader, const FaissIndexHeader& header, uint64_t code_size,
                     std::string_view code_size_rule, IvfRecord& r);

// An IVF record's coarse quantizer (checked: a trained flat index of nlist
// centroids with the record's metric) and its inverted lists, copied.
struct IvfParts {
  std::unique_ptr<index::FlatIndex> quantizer;
  index::InvertedLists lists;
};
StatusOr<IvfParts> BuildIvfParts(const IndexRecord& record, const IvfRecord& ivf,
                                 const FaissReader& reader);

StatusOr<Metric> KilnMetric(const IndexRecord& record, const FaissReader& reader);

StatusOr<std::unique_ptr<index::Index>> BuildIndex(const IndexRecord& record,
                                                   const FaissReader& reader);
StatusOr<std::unique_ptr<index::FlatIndex>> BuildFlat(const IndexRecord& record,
                                                      const FaissReader& reader);
StatusOr<std::unique_ptr<index::IvfFlatIndex>> BuildIvfFlat(const IndexRecord& record,
                                                            const FaissReader& reader);
StatusOr<std::unique_ptr<index::Index>> BuildSq(const IndexRecord& record,
                                                const FaissReader& reader);
StatusOr<std::unique_ptr<index::Index>> BuildIvfSq(const IndexRecord& record,
                                                   const FaissReader& reader);
StatusOr<std::unique_ptr<index::Index>> BuildIvfPq(const IndexRecord& record,
                                                   const FaissReader& reader);
StatusOr<std::unique_ptr<index::Index>> BuildHnsw(const IndexRecord& record,
                                                  const FaissReader& reader);
StatusOr<std::unique_ptr<index::IdMapIndex>> BuildIdMap(const IndexRecord& record,
                                                        const FaissReader& reader);

}  // namespace kiln::format
