#include "kiln/partition/partition_eval.h"

#include <algorithm>
#include <numeric>

#include <fmt/ranges.h>

#include "kiln/linalg/knn.h"
#include "kiln/simd/distances.h"

namespace kiln::partition {
namespace {

Metric RoutingMetric(Metric metric) { return metric == Metric::kL2 ? Metric::kL2 : Metric::kInnerProduct; }

// Children of each node of level l (indices into level l+1), CSR layout.
struct Children {
  std::vector<size_t> begin;   // k_l + 1
  std::vector<uint32_t> list;  // k_{l+1}
};

std::vector<Children> BuildChildren(const PartitionTree& tree) {
  std::vector<Children> out(tree.levels.size());
  for (size_t l = 0; l + 1 < tree.levels.size(); ++l) {
    const TreeLevel& below = tree.levels[l + 1];
    Children& c = out[l];
    c.begin.assign(tree.levels[l].k + 1, 0);
    for (uint32_t p : below.parent) ++c.begin[p + 1];
    std::partial_sum(c.begin.begin(), c.begin.end(), c.begin.begin());
    c.list.resize(below.k);
    std::vector<size_t> cursor(c.begin.begin(), c.begin.end() - 1);
    for (size_t i = 0; i < below.k; ++i) c.list[cursor[below.parent[i]]++] = static_cast<uint32_t>(i);
  }
  return out;
}

// Best `want` nodes of the top level for each of n vectors (GEMM-based).
std::vector<idx_t> TopLevelBest(const PartitionTree& tree, const float* x, size_t n, Metric metric, size_t want,
                                const ExecContext& ctx) {
  const TreeLevel& top = tree.levels[0];
  want = std::min(want, top.k);
  std::vector<float> dist(n * want);
  std::vector<idx_t> labels(n * want);
  Status s = linalg::ExactKnn(x, n, top.centroids.data(), top.k, tree.d, RoutingMetric(metric), want, nullptr,
                              dist.data(), labels.data(), ExecContext{ctx.pool, ctx.cancel, nullptr});
  s.IgnoreError();  // only Cancelled; callers check ctx afterwards
  return labels;
}

}  // namespace

std::vector<uint32_t> AssignLeaves(const PartitionTree& tree, const float* x, size_t n, Metric metric,
                                   const ExecContext& ctx) {
  const std::vector<idx_t> top = TopLevelBest(tree, x, n, metric, 1, ctx);
  std::vector<uint32_t> leaf(n);
  const std::vector<Children> children = BuildChildren(tree);
  const size_t d = tree.d;
  ctx.pool->ParallelFor(n, 256, [&](size_t b, size_t e, int) {
    std::vector<float> scores;
    for (size_t i = b; i < e; ++i) {
      uint32_t node = static_cast<uint32_t>(std::max<idx_t>(top[i], 0));
      for (size_t l = 0; l + 1 < tree.levels.size(); ++l) {
        const Children& c = children[l];
        const size_t cb = c.begin[node], ce = c.begin[node + 1];
        scores.resize(ce - cb);
        const TreeLevel& below = tree.levels[l + 1];
        std::vector<int64_t> ids(c.list.begin() + cb, c.list.begin() + ce);
        if (metric == Metric::kL2)
          simd::L2SqrToSubset(x + i * d, below.centroids.data(), ids.data(), ids.size(), d, scores.data());
        else
          simd::InnerProductToSubset(x + i * d, below.centroids.data(), ids.data(), ids.size(), d, scores.data());
        size_t best = 0;
        for (size_t j = 1; j < scores.size(); ++j) {
          const bool better = metric == Metric::kL2 ? scores[j] < scores[best] : scores[j] > scores[best];
          if (better) best = j;
        }
        node = c.list[cb + best];
      }
      leaf[i] = node;
    }
  });
  return leaf;
}

LeafSizeStats ComputeLeafSizeStats(const std::vector<uint32_t>& leaf_of, size_t num_leaves) {
  std::vector<size_t> sizes(num_leaves, 0);
  for (uint32_t l : leaf_of) ++sizes[l];
  std::sort(sizes.begin(), sizes.end());
  LeafSizeStats s;
  s.leaves = num_leaves;
  if (num_leaves == 0) return s;
  s.empty = static_cast<size_t>(std::count(sizes.begin(), sizes.end(), size_t{0}));
  s.min = sizes.front();
  s.median = sizes[num_leaves / 2];
  s.p99 = sizes[std::min(num_leaves - 1, (num_leaves * 99) / 100)];
  s.max = sizes.back();
  return s;
}

StatusOr<PartitionEvalResult> EvaluatePartition(const PartitionTree& tree, const float* base, size_t nb,
                                                const float* queries, size_t nq, size_t d, Metric metric, size_t k,
                                                const std::vector<std::vector<size_t>>& probe_settings,
                                                const ExecContext& ctx) {
  const size_t levels = tree.levels.size();
  if (d != tree.d)
    return InvalidArgumentError("partition eval: vectors have dimension {} but the tree has {}", d, tree.d);
  if (k == 0 || k > nb) return InvalidArgumentError("partition eval: k must be in [1, {}], found {}", nb, k);
  for (const auto& p : probe_settings) {
    if (p.size() != levels)
      return InvalidArgumentError("partition eval: probes {} have {} values, the tree has {} levels below the root",
                                  fmt::join(p, ","), p.size(), levels);
    if (std::find(p.begin(), p.end(), size_t{0}) != p.end())
      return InvalidArgumentError("partition eval: probes {} contain 0", fmt::join(p, ","));
  }
  ctx.Report("partition eval: assign base", 0, 1);
  const std::vector<uint32_t> leaf_of = AssignLeaves(tree, base, nb, metric, ctx);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("partition eval"));
  const size_t num_leaves = tree.levels.back().k;
  std::vector<size_t> leaf_size(num_leaves, 0);
  for (uint32_t l : leaf_of) ++leaf_size[l];

  ctx.Report("partition eval: ground truth", 0, 1);
  std::vector<float> truth_dist(nq * k);
  std::vector<idx_t> truth(nq * k);
  KILN_RETURN_IF_ERROR(linalg::ExactKnn(queries, nq, base, nb, d, metric, k, nullptr, truth_dist.data(), truth.data(),
                                        ExecContext{ctx.pool, ctx.cancel, nullptr}));
  const std::vector<Children> children = BuildChildren(tree);

  PartitionEvalResult out;
  out.k = k;
  out.leaf_sizes = ComputeLeafSizeStats(leaf_of, num_leaves);
  for (const auto& probes : probe_settings) {
    const std::vector<idx_t> top = TopLevelBest(tree, queries, nq, metric, probes[0], ctx);
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("partition eval"));
    const size_t top_want = std::min(probes[0], tree.levels[0].k);
    std::vector<size_t> hits(nq, 0), scanned(nq, 0);
    ctx.pool->ParallelFor(nq, 8, [&](size_t b, size_t e, int) {
      std::vector<uint32_t> selected;
      std::vector<int64_t> cand;
      std::vector<float> scores;
      std::vector<size_t> order;
      std::vector<char> probed(num_leaves, 0);
      for (size_t q = b; q < e; ++q) {
        const float* x = queries + q * d;
        selected.clear();
        for (size_t j = 0; j < top_want; ++j)
          if (top[q * top_want + j] >= 0) selected.push_back(static_cast<uint32_t>(top[q * top_want + j]));
        for (size_t l = 0; l + 1 < levels; ++l) {
          cand.clear();
          for (uint32_t node : selected)
            for (size_t c = children[l].begin[node]; c < children[l].begin[node + 1]; ++c)
              cand.push_back(children[l].list[c]);
          scores.resize(cand.size());
          const float* cents = tree.levels[l + 1].centroids.data();
          if (metric == Metric::kL2) simd::L2SqrToSubset(x, cents, cand.data(), cand.size(), d, scores.data());
          else simd::InnerProductToSubset(x, cents, cand.data(), cand.size(), d, scores.data());
          if (metric != Metric::kL2)
            for (float& s : scores) s = -s;
          const size_t want = std::min(probes[l + 1], cand.size());
          order.resize(cand.size());
          std::iota(order.begin(), order.end(), size_t{0});
          std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(want), order.end(),
                            [&](size_t a, size_t b2) { return scores[a] < scores[b2] || (scores[a] == scores[b2] && a < b2); });
          selected.clear();
          for (size_t j = 0; j < want; ++j) selected.push_back(static_cast<uint32_t>(cand[order[j]]));
        }
        for (uint32_t leaf : selected) {
          probed[leaf] = 1;
          scanned[q] += leaf_size[leaf];
        }
        for (size_t j = 0; j < k; ++j) {
          const idx_t t = truth[q * k + j];
          if (t >= 0 && probed[leaf_of[static_cast<size_t>(t)]]) ++hits[q];
        }
        for (uint32_t leaf : selected) probed[leaf] = 0;
      }
    });
    ProbeResult r;
    r.probes = probes;
    r.recall = static_cast<double>(std::accumulate(hits.begin(), hits.end(), size_t{0})) / static_cast<double>(nq * k);
    r.mean_scanned = static_cast<double>(std::accumulate(scanned.begin(), scanned.end(), size_t{0})) / static_cast<double>(nq);
    out.results.push_back(std::move(r));
  }
  return out;
}

}  // namespace kiln::partition
