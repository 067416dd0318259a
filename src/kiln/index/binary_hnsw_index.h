// HNSW over packed binary codes with the Hamming distance. Faiss
// equivalents: IndexBinaryHNSW ("BHNSW32" in index_binary_factory, storage
// IndexBinaryFlat) and, with ids, IndexBinaryIDMap ("IDMap,BHNSW32"). The
// graph is the float HNSW's (hnsw/hnsw_graph.h: same M, level draws,
// ef_construction, heuristic and Faiss layout), built on Hamming distances
// (hnsw/hamming_space.h); so the Faiss writer emits IBMp → IBHf → IBxF.
//
// d counts bits (a multiple of 8); each vector is code_size = d/8 bytes,
// bit order as the caller packs it (Hamming distances do not depend on it).
// Search returns int32 Hamming distances, ascending, as Faiss does.
// Not an index::Index (those hold floats), like Faiss's IndexBinary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/base/types.h"
#include "kiln/index/hnsw/hnsw_graph.h"
#include "kiln/index/hnsw_index.h"

namespace kiln::index {

// "BHNSW<M>" or "IDMap,BHNSW<M>" (Faiss's binary factory names): M and
// whether ids are mapped. nullopt when the string is neither.
struct BinaryHnswSpec {
  size_t M = 32;
  bool id_map = false;
};
std::optional<BinaryHnswSpec> ParseBinaryHnswFactory(std::string_view factory);

class BinaryHnswIndex {
 public:
  // d in bits: a positive multiple of 8 up to kMaxDimension; M in
  // [kMinHnswM, kMaxHnswM]; id_map: vectors carry external ids
  // (AddWithIds), written as IBMp. InvalidArgument otherwise.
  static StatusOr<BinaryHnswIndex> Create(size_t d, size_t M, bool id_map,
                                          uint64_t seed = kDefaultHnswSeed);

  size_t d() const { return d_; }
  size_t code_size() const { return d_ / 8; }
  size_t ntotal() const { return graph_.ntotal(); }
  bool has_id_map() const { return id_map_on_; }
  // "BHNSW32" or "IDMap,BHNSW32".
  std::string Describe() const;

  // Inserts n codes (n·code_size bytes) with ids ntotal().. (no id map) or
  // ids[0..n) (id map; -1 rejected). Parallel over ctx.pool; cancelled: the
  // index is left as it was.
  Status Add(const uint8_t* codes, size_t n, const ExecContext& ctx);
  Status AddWithIds(const uint8_t* codes, const idx_t* ids, size_t n, const ExecContext& ctx);
  // k nearest codes of each query by Faiss 1.7.3's walk with
  // ef = max(ef_search or the stored efSearch when 0, k). distances and
  // labels: nq·k each; missing results are label -1, distance INT32_MAX.
  Status Search(const uint8_t* queries, size_t nq, size_t k, size_t ef_search, int32_t* distances,
                idx_t* labels, const ExecContext& ctx) const;

  const HnswGraph& graph() const { return graph_; }
  const std::vector<uint8_t>& codes() const { return codes_; }
  // External id of vector i (has_id_map() only).
  const std::vector<idx_t>& id_map() const { return id_map_; }
  void set_ef_construction(size_t ef) { graph_.ef_construction = static_cast<int32_t>(ef); }
  void set_ef_search(size_t ef) { graph_.ef_search = static_cast<int32_t>(ef); }

 private:
  BinaryHnswIndex(size_t d, size_t M, bool id_map, uint64_t seed)
      : d_(d), graph_(M), id_map_on_(id_map), rng_(seed) {}
  Status Insert(const uint8_t* codes, size_t n, const ExecContext& ctx);

  size_t d_;
  HnswGraph graph_;
  std::vector<uint8_t> codes_;
  bool id_map_on_;
  std::vector<idx_t> id_map_;
  std::mt19937_64 rng_;
};

}  // namespace kiln::index
