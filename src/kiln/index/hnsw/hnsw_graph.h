// An HNSW graph in Faiss's layout (faiss/impl/HNSW.h), so that it is written
// and read without conversion:
//   levels[i]   highest level of node i, plus one (>= 1)
//   offsets[i]  start of node i's neighbour block; offsets[i+1] - offsets[i]
//               = cum_nneighbor_per_level[levels[i]]
//   neighbors   per node and level l, the slots
//               [offsets[i] + cum[l], offsets[i] + cum[l+1]); links first,
//               then -1 padding (searches stop at the first -1)
// Level 0 has 2M slots, every level above M. The level of a new node is drawn
// from assign_probas (p(l) = exp(-l/mult)·(1 - exp(-1/mult)), mult = 1/ln M).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kiln/base/status.h"

namespace kiln::index {

// Faiss's defaults for IndexHNSW.
inline constexpr size_t kDefaultEfConstruction = 40;
inline constexpr size_t kDefaultEfSearch = 16;

struct HnswGraph {
  // Empty graph with Faiss's level tables for M (HNSW::set_default_probas).
  explicit HnswGraph(size_t M = 32);

  // Links per node above level 0 (half the level-0 capacity).
  size_t M() const { return static_cast<size_t>(cum_nneighbor_per_level.at(1)) / 2; }
  size_t ntotal() const { return levels.size(); }
  // Number of levels node i is on (levels[i]).
  int num_levels(size_t i) const { return levels[i]; }
  // Slot range of node i at level l (l < levels[i]).
  size_t begin(size_t i, int l) const { return offsets[i] + static_cast<size_t>(cum_nneighbor_per_level[l]); }
  size_t end(size_t i, int l) const { return offsets[i] + static_cast<size_t>(cum_nneighbor_per_level[l + 1]); }
  // Slots at level l (2M at level 0, M above).
  size_t capacity(int l) const {
    return static_cast<size_t>(cum_nneighbor_per_level[l + 1] - cum_nneighbor_per_level[l]);
  }
  int max_levels() const { return static_cast<int>(assign_probas.size()); }

  // A level (0-based) drawn as Faiss's HNSW::random_level does from a uniform
  // value in [0, 1).
  int DrawLevel(double uniform) const;
  // Appends nodes with the given 0-based levels and empty neighbour slots.
  void AppendNodes(const std::vector<int>& node_levels);
  // Drops nodes >= n and every link to them (entry point re-chosen).
  void Truncate(size_t n);
  // Sets entry_point/max_level to a node of the highest level (-1 if empty).
  void ResetEntryPoint();

  // Checks the invariants current Faiss readers enforce (validate_HNSW) and
  // a few more (no self links, no duplicate links, links only to nodes on the
  // level, -1 padding only at the end). Messages name the node and slot.
  Status Validate() const;

  std::vector<double> assign_probas;
  std::vector<int32_t> cum_nneighbor_per_level;
  std::vector<int32_t> levels;
  std::vector<uint64_t> offsets{0};
  std::vector<int32_t> neighbors;
  int32_t entry_point = -1;
  int32_t max_level = -1;
  int32_t ef_construction = static_cast<int32_t>(kDefaultEfConstruction);
  int32_t ef_search = static_cast<int32_t>(kDefaultEfSearch);
};

// Level counts and degree statistics for `kiln inspect`.
struct HnswStats {
  std::vector<size_t> nodes_per_level;  // nodes present on level l
  std::vector<double> mean_degree;      // per level
  std::vector<size_t> max_degree;
  std::vector<size_t> min_degree;
  size_t reachable = 0;  // nodes reachable from the entry point at level 0
};
HnswStats ComputeStats(const HnswGraph& graph);
// One line per level, each starting with indent.
std::string FormatStats(const HnswStats& stats, const std::string& indent = "  ");

}  // namespace kiln::index
