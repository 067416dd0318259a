#include "kiln/index/hnsw/hnsw_graph.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kiln/index/hnsw/hnsw_memory.h"
#include "kiln/index/hnsw/hnsw_reachability.h"

namespace kiln::index {

HnswGraph::HnswGraph(size_t M) {
  // As Faiss's HNSW::set_default_probas(M, 1/ln M): float arithmetic,
  // stored as double.
  const float level_mult = static_cast<float>(1.0 / std::log(static_cast<double>(M)));
  int32_t nn = 0;
  cum_nneighbor_per_level.push_back(0);
  for (int level = 0;; ++level) {
    const float proba = std::exp(static_cast<float>(-level) / level_mult) *
                        (1.0f - std::exp(-1.0f / level_mult));
    if (proba < 1e-9f) break;
    assign_probas.push_back(proba);
    nn += static_cast<int32_t>(level == 0 ? 2 * M : M);
    cum_nneighbor_per_level.push_back(nn);
  }
}

int HnswGraph::DrawLevel(double uniform) const {
  for (size_t level = 0; level < assign_probas.size(); ++level) {
    if (uniform < assign_probas[level]) return static_cast<int>(level);
    uniform -= assign_probas[level];
  }
  return static_cast<int>(assign_probas.size()) - 1;
}

void HnswGraph::AppendNodes(const std::vector<int>& node_levels) {
  levels.reserve(levels.size() + node_levels.size());
  offsets.reserve(offsets.size() + node_levels.size());
  for (int level : node_levels) {
    levels.push_back(level + 1);
    offsets.push_back(offsets.back() + static_cast<uint64_t>(cum_nneighbor_per_level[level + 1]));
  }
  if (neighbors.empty()) {
    // A first fill: one exact allocation, on huge pages where available.
    neighbors.reserve(offsets.back());
    hnsw::AdviseHugePages(neighbors.data(), offsets.back() * sizeof(int32_t));
  }
  neighbors.resize(offsets.back(), -1);
}

void HnswGraph::Truncate(size_t n) {
  if (n >= ntotal()) return;
  levels.resize(n);
  offsets.resize(n + 1);
  neighbors.resize(offsets.back());
  for (size_t i = 0; i < n; ++i) {
    for (int l = 0; l < levels[i]; ++l) {
      size_t out = begin(i, l);
      for (size_t s = begin(i, l); s < end(i, l) && neighbors[s] >= 0; ++s)
        if (static_cast<size_t>(neighbors[s]) < n) neighbors[out++] = neighbors[s];
      std::fill(neighbors.begin() + static_cast<ptrdiff_t>(out),
                neighbors.begin() + static_cast<ptrdiff_t>(end(i, l)), -1);
    }
  }
  ResetEntryPoint();
}

void HnswGraph::ResetEntryPoint() {
  entry_point = -1;
  max_level = -1;
  for (size_t i = 0; i < ntotal(); ++i) {
    if (levels[i] - 1 > max_level) {
      max_level = levels[i] - 1;
      entry_point = static_cast<int32_t>(i);
    }
  }
}

Status HnswGraph::Validate() const {
  const size_t nlev = cum_nneighbor_per_level.size();
  if (nlev < 2 || cum_nneighbor_per_level[0] != 0)
    return DataLossError("HNSW: cum_nneighbor_per_level must start with 0 and have >= 2 entries");
  for (size_t l = 1; l < nlev; ++l)
    if (cum_nneighbor_per_level[l] < cum_nneighbor_per_level[l - 1])
      return DataLossError("HNSW: cum_nneighbor_per_level decreases at level {}: {} < {}", l,
                           cum_nneighbor_per_level[l], cum_nneighbor_per_level[l - 1]);
  const size_t n = ntotal();
  if (offsets.size() != n + 1 || offsets[0] != 0)
    return DataLossError("HNSW: {} offsets for {} nodes (expected {} starting at 0)",
                         offsets.size(), n, n + 1);
  for (size_t i = 0; i < n; ++i) {
    if (levels[i] < 1 || static_cast<size_t>(levels[i]) >= nlev)
      return DataLossError("HNSW: node {} has levels = {}, expected 1..{}", i, levels[i], nlev - 1);
    const uint64_t want = offsets[i] + static_cast<uint64_t>(cum_nneighbor_per_level[levels[i]]);
    if (offsets[i + 1] != want)
      return DataLossError("HNSW: offsets[{}] = {}, expected {}", i + 1, offsets[i + 1], want);
  }
  if (neighbors.size() != offsets[n])
    return DataLossError("HNSW: {} neighbour slots, offsets say {}", neighbors.size(), offsets[n]);
  if (n == 0) {
    if (entry_point != -1 || max_level != -1)
      return DataLossError("HNSW: empty graph with entry_point {} and max_level {}", entry_point,
                           max_level);
    return OkStatus();
  }
  if (entry_point < 0 || static_cast<size_t>(entry_point) >= n)
    return DataLossError("HNSW: entry_point {} outside [0, {})", entry_point, n);
  if (max_level != levels[static_cast<size_t>(entry_point)] - 1)
    return DataLossError("HNSW: max_level {} but the entry point {} is on {} levels", max_level,
                         entry_point, levels[static_cast<size_t>(entry_point)]);
  for (size_t i = 0; i < n; ++i) {
    for (int l = 0; l < levels[i]; ++l) {
      bool padding = false;
      for (size_t s = begin(i, l); s < end(i, l); ++s) {
        const int32_t v = neighbors[s];
        if (v == -1) {
          padding = true;
          continue;
        }
        if (padding)
          return DataLossError("HNSW: node {} level {}: link {} after -1 padding", i, l, v);
        if (v < 0 || static_cast<size_t>(v) >= n)
          return DataLossError("HNSW: node {} level {}: neighbour {} outside [-1, {})", i, l, v, n);
        if (static_cast<size_t>(v) == i)
          return DataLossError("HNSW: node {} level {}: self link", i, l);
        if (levels[static_cast<size_t>(v)] <= l)
          return DataLossError("HNSW: node {} level {}: neighbour {} is only on {} levels", i, l, v,
                               levels[static_cast<size_t>(v)]);
      }
    }
  }
  return OkStatus();
}

HnswStats ComputeStats(const HnswGraph& graph) {
  HnswStats stats;
  const size_t nl = static_cast<size_t>(std::max(graph.max_level + 1, 0));
  stats.nodes_per_level.assign(nl, 0);
  stats.mean_degree.assign(nl, 0);
  stats.max_degree.assign(nl, 0);
  stats.min_degree.assign(nl, SIZE_MAX);
  std::vector<double> sum(nl, 0);
  for (size_t i = 0; i < graph.ntotal(); ++i) {
    for (int l = 0; l < graph.levels[i] && static_cast<size_t>(l) < nl; ++l) {
      size_t deg = 0;
      for (size_t s = graph.begin(i, l); s < graph.end(i, l) && graph.neighbors[s] >= 0; ++s) ++deg;
      const auto L = static_cast<size_t>(l);
      ++stats.nodes_per_level[L];
      sum[L] += static_cast<double>(deg);
      stats.max_degree[L] = std::max(stats.max_degree[L], deg);
      stats.min_degree[L] = std::min(stats.min_degree[L], deg);
    }
  }
  for (size_t l = 0; l < nl; ++l) {
    if (stats.nodes_per_level[l] > 0)
      stats.mean_degree[l] = sum[l] / static_cast<double>(stats.nodes_per_level[l]);
    else
      stats.min_degree[l] = 0;
  }
  stats.reachable = hnsw::CountReachable(graph);
  return stats;
}

std::string FormatStats(const HnswStats& stats, const std::string& indent) {
  std::string out;
  for (size_t l = 0; l < stats.nodes_per_level.size(); ++l)
    out += fmt::format("{}level {}: {} nodes, degree min {} mean {:.2f} max {}\n", indent, l,
                       stats.nodes_per_level[l], stats.min_degree[l], stats.mean_degree[l],
                       stats.max_degree[l]);
  if (!stats.nodes_per_level.empty())
    out += fmt::format("{}level 0 reachable from the entry point: {} of {} nodes\n", indent, stats.reachable,
                       stats.nodes_per_level[0]);
  return out;
}

}  // namespace kiln::index
