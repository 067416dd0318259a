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
StatusOr<std::unique_ptr<index::IdMapIndex>> BuildIdMap(const IndexRecord& record,
                                                        const FaissReader& reader);

}  // namespace kiln::format
