// IxMp / IxM2 body (faiss/impl/index_read.cpp v1.7.3 :898): nested inner index
// record, then vector<int64> id_map. Checked like current Faiss:
// id_map.size() == ntotal == inner ntotal, plus the same d.
#include <cstring>
#include <vector>

#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

StatusOr<IdMapRecord> ParseIdMapBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth) {
  IdMapRecord r;
  KILN_ASSIGN_OR_RETURN(r.inner, ParseIndexRecord(reader, depth + 1));
  if (r.inner->header.d != header.d)
    return reader.Corrupt(r.inner->offset + 4,
                          fmt::format("inner index dimension d = {}", header.d),
                          fmt::format("{}", r.inner->header.d));
  if (r.inner->header.ntotal != header.ntotal)
    return reader.Corrupt(r.inner->offset + 8,
                          fmt::format("inner index ntotal = {}", header.ntotal),
                          fmt::format("{}", r.inner->header.ntotal));
  r.id_map_offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.count, reader.ReadCount("id_map", sizeof(int64_t)));
  if (r.count != static_cast<uint64_t>(header.ntotal))
    return reader.Corrupt(r.id_map_offset, fmt::format("id_map of ntotal = {} ids", header.ntotal),
                          fmt::format("{}", r.count));
  KILN_ASSIGN_OR_RETURN(r.ids, reader.Take(r.count * sizeof(int64_t), "id_map ids"));
  return r;
}

StatusOr<std::unique_ptr<index::IdMapIndex>> BuildIdMap(const IndexRecord& record,
                                                        const FaissReader& reader) {
  const auto& map = std::get<IdMapRecord>(record.body);
  // Inner IVF lists must hold internal ids 0..ntotal-1 for the map to apply.
  if (const auto* ivf = std::get_if<IvfRecord>(&map.inner->body)) {
    for (const ListView& list : ivf->lists.lists) {
      for (uint64_t j = 0; j < list.size; ++j) {
        const int64_t id = LoadI64(list.ids + j * sizeof(int64_t));
        if (id < 0 || id >= record.header.ntotal)
          return reader.Corrupt(
              reader.OffsetOf(list.ids + j * sizeof(int64_t)),
              fmt::format("internal ids in [0, {}) in the inner IVF lists", record.header.ntotal),
              fmt::format("id {} in list {}", id, list.list_no));
      }
    }
  }
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<index::Index> inner, BuildIndex(*map.inner, reader));
  std::vector<idx_t> ids(map.count);
  if (!ids.empty()) std::memcpy(ids.data(), map.ids, ids.size() * sizeof(int64_t));
  auto built = index::IdMapIndex::FromParts(std::move(inner), std::move(ids));
  if (!built.ok())
    return reader.Corrupt(record.offset, "a consistent IDMap index", built.status().message());
  return built;
}

}  // namespace kiln::format
