#include "kiln/partition/partition_tree.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"

namespace kiln::partition {
namespace {

void NormalizeInPlace(float* v, size_t d) {
  double s = 0;
  for (size_t j = 0; j < d; ++j) s += static_cast<double>(v[j]) * v[j];
  if (s <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (size_t j = 0; j < d; ++j) v[j] *= inv;
}

std::vector<float> MeanOf(const std::vector<float>& x, size_t n, size_t d) {
  std::vector<double> sum(d, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) sum[j] += x[i * d + j];
  std::vector<float> mean(d);
  for (size_t j = 0; j < d; ++j) mean[j] = static_cast<float>(sum[j] / static_cast<double>(n));
  return mean;
}

}  // namespace

size_t PartitionTree::num_nodes() const {
  size_t total = 1;
  for (const auto& l : levels) total += l.k;
  return total;
}

std::vector<size_t> TreeRows::Offsets() const {
  std::vector<size_t> offsets(n());
  size_t at = 0;
  for (size_t i = 0; i < n(); ++i) {
    offsets[i] = at;
    at += static_cast<size_t>(std::max<int64_t>(dim(i), 0));
  }
  return offsets;
}

StatusOr<PartitionTree> BuildTree(const std::vector<std::vector<float>>& level_centroids, size_t d, bool unit_norm,
                                  ThreadPool& pool) {
  if (level_centroids.empty()) return InvalidArgumentError("partition tree: no levels given");
  if (d == 0) return InvalidArgumentError("partition tree: dimension must be at least 1, found 0");
  PartitionTree tree;
  tree.d = d;
  tree.levels.resize(level_centroids.size());
  for (size_t l = 0; l < level_centroids.size(); ++l) {
    const auto& c = level_centroids[l];
    if (c.empty() || c.size() % d != 0)
      return InvalidArgumentError("partition tree: level {} has {} floats, expected a non-empty multiple of d = {}",
                                  l + 1, c.size(), d);
    tree.levels[l].k = c.size() / d;
    tree.levels[l].centroids = c;
    if (unit_norm) linalg::NormalizeRows(tree.levels[l].centroids.data(), tree.levels[l].k, d, pool);
    if (l > 0 && tree.levels[l].k < tree.levels[l - 1].k)
      return InvalidArgumentError("partition tree: level {} has {} nodes, fewer than the {} of the level above",
                                  l + 1, tree.levels[l].k, tree.levels[l - 1].k);
  }
  tree.levels[0].parent.assign(tree.levels[0].k, 0);
  // Bottom-up: attach level l to level l-1, then drop childless nodes of l-1.
  for (size_t l = tree.levels.size() - 1; l >= 1; --l) {
    TreeLevel& child = tree.levels[l];
    TreeLevel& up = tree.levels[l - 1];
    std::vector<float> norms(up.k);
    linalg::RowNormsSqr(up.centroids.data(), up.k, d, norms.data(), pool);
    std::vector<idx_t> nearest(child.k);
    linalg::AssignNearest(child.centroids.data(), child.k, up.centroids.data(), norms.data(), up.k, d,
                          {nearest.data(), nullptr, nullptr}, pool);
    std::vector<uint32_t> remap(up.k, UINT32_MAX);
    std::vector<char> used(up.k, 0);
    for (idx_t p : nearest) used[static_cast<size_t>(p)] = 1;
    size_t kept = 0;
    for (size_t i = 0; i < up.k; ++i) {
      if (!used[i]) continue;
      if (kept != i) std::copy_n(up.centroids.begin() + i * d, d, up.centroids.begin() + kept * d);
      remap[i] = static_cast<uint32_t>(kept++);
    }
    up.k = kept;
    up.centroids.resize(kept * d);
    child.parent.resize(child.k);
    for (size_t i = 0; i < child.k; ++i) child.parent[i] = remap[static_cast<size_t>(nearest[i])];
  }
  tree.levels[0].parent.assign(tree.levels[0].k, 0);
  tree.root = MeanOf(tree.levels[0].centroids, tree.levels[0].k, d);
  if (unit_norm) NormalizeInPlace(tree.root.data(), d);
  return tree;
}

TreeRows ToRows(const PartitionTree& tree) {
  TreeRows rows;
  rows.d = tree.d;
  const size_t total = tree.num_nodes();
  rows.id.reserve(total);
  rows.parent.reserve(total);
  rows.vectors.reserve(total * tree.d);
  rows.id.push_back(0);
  rows.parent.push_back(std::nullopt);
  rows.vectors.insert(rows.vectors.end(), tree.root.begin(), tree.root.end());
  int32_t level_base = 1, parent_base = 0;
  for (size_t l = 0; l < tree.levels.size(); ++l) {
    const TreeLevel& level = tree.levels[l];
    for (size_t i = 0; i < level.k; ++i) {
      rows.id.push_back(level_base + static_cast<int32_t>(i));
      rows.parent.push_back(parent_base + static_cast<int32_t>(level.parent[i]));
    }
    rows.vectors.insert(rows.vectors.end(), level.centroids.begin(), level.centroids.end());
    parent_base = level_base;
    level_base += static_cast<int32_t>(level.k);
  }
  return rows;
}

StatusOr<PartitionTree> FromRows(const TreeRows& rows) {
  const size_t n = rows.n(), d = rows.d;
  const std::vector<size_t> offsets = rows.Offsets();
  PartitionTree tree;
  tree.d = d;
  for (size_t i = 0; i < n; ++i)
    if (!rows.id[i] || rows.dim(i) != static_cast<int64_t>(d))
      return InvalidArgumentError("partition tree: row {} has a NULL id or a vector of dimension {} (expected {})", i,
                                  rows.dim(i), d);
  auto vec = [&](size_t i) { return rows.vectors.begin() + static_cast<std::ptrdiff_t>(offsets[i]); };
  const bool implicit_root = std::none_of(rows.parent.begin(), rows.parent.end(), [](const auto& p) { return p.has_value(); });
  if (implicit_root) {
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return *rows.id[a] < *rows.id[b]; });
    TreeLevel leaves;
    leaves.k = n;
    for (size_t i : order) leaves.centroids.insert(leaves.centroids.end(), vec(i), vec(i) + static_cast<std::ptrdiff_t>(d));
    leaves.parent.assign(n, 0);
    tree.root = MeanOf(leaves.centroids, n, d);
    tree.levels.push_back(std::move(leaves));
    return tree;
  }
  // Children by id (std::map: ascending id, as VectorChord orders levels).
  std::map<int32_t, size_t> row_of;
  std::map<int32_t, std::vector<int32_t>> children;
  int32_t root = 0;
  for (size_t i = 0; i < n; ++i) {
    row_of[*rows.id[i]] = i;
    if (rows.parent[i]) children[*rows.parent[i]].push_back(*rows.id[i]);
    else root = *rows.id[i];
  }
  tree.root.assign(vec(row_of[root]), vec(row_of[root]) + static_cast<std::ptrdiff_t>(d));
  std::vector<int32_t> frontier = {root};
  while (true) {
    std::vector<int32_t> next;
    for (int32_t p : frontier) {
      auto it = children.find(p);
      if (it != children.end()) next.insert(next.end(), it->second.begin(), it->second.end());
    }
    if (next.empty()) break;
    std::sort(next.begin(), next.end());
    std::map<int32_t, uint32_t> pos_in_level;
    for (size_t i = 0; i < frontier.size(); ++i) pos_in_level[frontier[i]] = static_cast<uint32_t>(i);
    TreeLevel level;
    level.k = next.size();
    for (int32_t id : next) {
      const size_t r = row_of[id];
      level.centroids.insert(level.centroids.end(), vec(r), vec(r) + static_cast<std::ptrdiff_t>(d));
      level.parent.push_back(pos_in_level[*rows.parent[r]]);
    }
    tree.levels.push_back(std::move(level));
    frontier = std::move(next);
  }
  if (tree.levels.empty()) return InvalidArgumentError("partition tree: the root (id {}) has no children", root);
  return tree;
}

}  // namespace kiln::partition
