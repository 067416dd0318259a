// Faiss HNSW records (internal to kiln_format): IHNf (IndexHNSWFlat) and
// IHNs (IndexHNSWSQ), faiss/impl/index_write.cpp v1.7.3 :305 (write_HNSW)
// and :741:
//   fourcc | index header | HNSW block | storage (a nested index record:
//   IxF2/IxFI for IHNf, IxSQ for IHNs)
// HNSW block:
//   vector<double> assign_probas | vector<i32> cum_nneighbor_per_level |
//   vector<i32> levels (level + 1, ntotal entries) | vector<u64> offsets
//   (ntotal + 1) | vector<i32> neighbors (-1 padded) | i32 entry_point |
//   i32 max_level | i32 efConstruction | i32 efSearch | i32 upper_beam (1)
// The reader applies current Faiss's validate_HNSW checks and kiln's graph
// invariants (HnswGraph::Validate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_io.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/index/hnsw/hnsw_graph.h"
#include "kiln/index/hnsw_index.h"

namespace kiln::format {

inline constexpr uint32_t kFourccHnswFlat = Fourcc("IHNf");  // IndexHNSWFlat
inline constexpr uint32_t kFourccHnswSq = Fourcc("IHNs");    // IndexHNSWSQ
// In place of a storage record: Faiss's IO_FLAG_SKIP_STORAGE (graph only).
inline constexpr uint32_t kFourccNullStorage = Fourcc("null");

struct IndexRecord;

struct HnswRecord {
  size_t offset = 0;  // of the HNSW block
  std::vector<double> assign_probas;
  std::vector<int32_t> cum_nneighbor_per_level;
  uint64_t nlevels = 0;               // entries of levels
  const uint8_t* levels = nullptr;    // nlevels int32, unaligned
  const uint8_t* offsets = nullptr;   // nlevels + 1 uint64
  uint64_t nneighbors = 0;
  const uint8_t* neighbors = nullptr;  // nneighbors int32
  size_t neighbors_offset = 0;
  int32_t entry_point = -1;
  int32_t max_level = -1;
  int32_t ef_construction = 0;
  int32_t ef_search = 0;
  int32_t upper_beam = 1;
  std::unique_ptr<IndexRecord> storage;
};

StatusOr<HnswRecord> ParseHnswBody(FaissReader& reader, const FaissIndexHeader& header,
                                   uint32_t fourcc, int depth);
// The graph of a parsed record, copied and validated (DataLoss naming the
// record's offset on a broken invariant).
StatusOr<index::HnswGraph> GraphOf(const HnswRecord& record, const FaissReader& reader);

// skip_storage: the storage record is the fourcc "null" (IO_FLAG_SKIP_STORAGE).
Status WriteHnsw(const index::HnswIndex& index, ByteSink& sink, bool skip_storage = false);
// The HNSW block alone (write_HNSW), shared by IHNf/IHNs and IBHf.
Status WriteHnswBlock(const index::HnswGraph& graph, ByteSink& sink);

}  // namespace kiln::format
