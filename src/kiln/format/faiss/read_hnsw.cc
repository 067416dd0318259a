// IHNf / IHNs reader; layout in hnsw_records.h.
#include <cstring>

#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {
namespace {

template <typename T>
StatusOr<std::vector<T>> ReadSmallVector(FaissReader& reader, std::string_view what) {
  KILN_ASSIGN_OR_RETURN(uint64_t count, reader.ReadCount(what, sizeof(T)));
  KILN_ASSIGN_OR_RETURN(const uint8_t* p, reader.Take(count * sizeof(T), what));
  std::vector<T> out(count);
  if (count > 0) std::memcpy(out.data(), p, count * sizeof(T));
  return out;
}

}  // namespace

StatusOr<HnswRecord> ParseHnswBody(FaissReader& reader, const FaissIndexHeader& header,
                                   uint32_t fourcc, int depth) {
  HnswRecord r;
  r.offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.assign_probas, ReadSmallVector<double>(reader, "HNSW assign_probas"));
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.cum_nneighbor_per_level,
                        ReadSmallVector<int32_t>(reader, "HNSW cum_nneighbor_per_level"));
  if (r.cum_nneighbor_per_level.size() < 2 || r.cum_nneighbor_per_level[0] != 0)
    return reader.Corrupt(at, "cum_nneighbor_per_level [0, ...] with at least 2 entries",
                          fmt::format("{} entries", r.cum_nneighbor_per_level.size()));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.nlevels, reader.ReadCount("HNSW levels", sizeof(int32_t)));
  if (r.nlevels != static_cast<uint64_t>(header.ntotal))
    return reader.Corrupt(at, fmt::format("ntotal = {} HNSW levels", header.ntotal),
                          fmt::format("{}", r.nlevels));
  KILN_ASSIGN_OR_RETURN(r.levels, reader.Take(r.nlevels * sizeof(int32_t), "HNSW levels"));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint64_t noffsets, reader.ReadCount("HNSW offsets", sizeof(uint64_t)));
  if (noffsets != r.nlevels + 1)
    return reader.Corrupt(at, fmt::format("ntotal + 1 = {} HNSW offsets", r.nlevels + 1),
                          fmt::format("{}", noffsets));
  KILN_ASSIGN_OR_RETURN(r.offsets, reader.Take(noffsets * sizeof(uint64_t), "HNSW offsets"));
  r.neighbors_offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.nneighbors, reader.ReadCount("HNSW neighbors", sizeof(int32_t)));
  KILN_ASSIGN_OR_RETURN(r.neighbors,
                        reader.Take(r.nneighbors * sizeof(int32_t), "HNSW neighbors"));
  KILN_ASSIGN_OR_RETURN(r.entry_point, reader.ReadI32("i32 HNSW entry_point"));
  KILN_ASSIGN_OR_RETURN(r.max_level, reader.ReadI32("i32 HNSW max_level"));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.ef_construction, reader.ReadI32("i32 HNSW efConstruction"));
  if (r.ef_construction < 1)
    return reader.Corrupt(at, "efConstruction >= 1", fmt::format("{}", r.ef_construction));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.ef_search, reader.ReadI32("i32 HNSW efSearch"));
  if (r.ef_search < 1) return reader.Corrupt(at, "efSearch >= 1", fmt::format("{}", r.ef_search));
  KILN_ASSIGN_OR_RETURN(r.upper_beam, reader.ReadI32("i32 HNSW upper_beam"));
  KILN_ASSIGN_OR_RETURN(r.storage, ParseIndexRecord(reader, depth + 1));
  const IndexRecord& s = *r.storage;
  const bool flat_storage = std::holds_alternative<FlatRecord>(s.body);
  const bool sq_storage = std::holds_alternative<SqRecord>(s.body);
  if ((fourcc == kFourccHnswFlat && !flat_storage) || (fourcc == kFourccHnswSq && !sq_storage))
    return reader.Corrupt(s.offset,
                          fmt::format("{} storage for {}", fourcc == kFourccHnswFlat ? "IxF2/IxFI" : "IxSQ",
                                      FourccName(fourcc)),
                          FourccName(s.fourcc));
  if (s.header.d != header.d || s.header.ntotal != header.ntotal ||
      s.header.metric_type != header.metric_type)
    return reader.Corrupt(s.offset + 4,
                          fmt::format("storage with d = {}, ntotal = {}, metric {}", header.d,
                                      header.ntotal, header.metric_type),
                          fmt::format("d = {}, ntotal = {}, metric {}", s.header.d,
                                      s.header.ntotal, s.header.metric_type));
  return r;
}

StatusOr<index::HnswGraph> GraphOf(const HnswRecord& r, const FaissReader& reader) {
  index::HnswGraph g;
  g.assign_probas = r.assign_probas;
  g.cum_nneighbor_per_level = r.cum_nneighbor_per_level;
  g.levels.resize(r.nlevels);
  if (r.nlevels > 0) std::memcpy(g.levels.data(), r.levels, r.nlevels * sizeof(int32_t));
  g.offsets.resize(r.nlevels + 1);
  std::memcpy(g.offsets.data(), r.offsets, g.offsets.size() * sizeof(uint64_t));
  g.neighbors.resize(r.nneighbors);
  if (r.nneighbors > 0) std::memcpy(g.neighbors.data(), r.neighbors, r.nneighbors * sizeof(int32_t));
  g.entry_point = r.entry_point;
  g.max_level = r.max_level;
  g.ef_construction = r.ef_construction;
  g.ef_search = r.ef_search;
  Status valid = g.Validate();
  if (!valid.ok()) return reader.Corrupt(r.offset, "a valid HNSW graph", valid.message());
  return g;
}

StatusOr<std::unique_ptr<index::Index>> BuildHnsw(const IndexRecord& record,
                                                  const FaissReader& reader) {
  const auto& r = std::get<HnswRecord>(record.body);
  KILN_ASSIGN_OR_RETURN(index::HnswGraph graph, GraphOf(r, reader));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<index::Index> storage, BuildIndex(*r.storage, reader));
  auto built = index::HnswIndex::FromParts(std::move(graph), std::move(storage));
  if (!built.ok())
    return reader.Corrupt(record.offset, "a consistent HNSW index", built.status().message());
  return std::unique_ptr<index::Index>(std::move(built).value());
}

}  // namespace kiln::format
