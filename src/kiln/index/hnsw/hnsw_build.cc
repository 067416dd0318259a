#include "kiln/index/hnsw/hnsw_build.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "kiln/index/hnsw/hamming_space.h"
#include "kiln/index/hnsw/hnsw_codes.h"
#include "kiln/index/hnsw/hnsw_locality.h"
#include "kiln/index/hnsw/hnsw_memory.h"
#include "kiln/index/hnsw/hnsw_reachability.h"
#include "kiln/index/hnsw/hnsw_search.h"

namespace kiln::index::hnsw {
namespace {

// Nodes per ParallelFor chunk (between cancellation polls).
constexpr size_t kInsertGrain = 64;

// The HNSW heuristic (Faiss shrink_neighbor_list, hnswlib
// getNeighborsByHeuristic2): walks `sorted` (ascending distance to the base
// node) and keeps a candidate unless a kept one is closer to it than the
// base node is. At most max_n kept; fewer than max_n candidates are all kept.
template <class Space>
void SelectNeighbors(const Space& space, const std::vector<Neighbor>& sorted, size_t max_n,
                     std::vector<Neighbor>& kept) {
  kept.clear();
  if (sorted.size() <= max_n) {
    kept = sorted;
    return;
  }
  for (const Neighbor& c : sorted) {
    bool good = true;
    for (const Neighbor& r : kept) {
      if (space.Between(c.id, r.id) < c.d) {
        good = false;
        break;
      }
    }
    if (good) {
      kept.push_back(c);
      if (kept.size() >= max_n) break;
    }
  }
}

// Space: the build distances (CodeSpace or FloatSpace). exact: the 16-bit
// grid (FineRowSpace or FineSpace) to re-rank each level's candidates with
// before choosing neighbours (null when the build distances are exact).
template <class Space, class Exact>
class Builder {
 public:
  Builder(HnswGraph& g, const Space& space, const Exact* exact, size_t ef_construction)
      : g_(g), space_(space), exact_(exact), ef_(ef_construction), locks_(g.ntotal()) {}

  // space and exact: this worker's copies.
  void Insert(int32_t q, HnswScratch& s, Space& space, Exact* exact);

 private:
  // Adds q to node's links at level, re-pruning a full list.
  void AddLink(int32_t node, int32_t q, float d, int level, std::vector<Neighbor>& cand,
               std::vector<Neighbor>& kept, std::vector<int32_t>& ids, std::vector<float>& dists);
  void WriteLinks(int32_t node, int level, const std::vector<Neighbor>& links) {
    const size_t b = g_.begin(static_cast<size_t>(node), level);
    const size_t e = g_.end(static_cast<size_t>(node), level);
    size_t s = b;
    for (const Neighbor& v : links) g_.neighbors[s++] = v.id;
    std::fill(g_.neighbors.begin() + static_cast<ptrdiff_t>(s),
              g_.neighbors.begin() + static_cast<ptrdiff_t>(e), -1);
  }

  HnswGraph& g_;
  const Space& space_;
  const Exact* exact_;
  size_t ef_;
  NodeLocks locks_;
  std::mutex entry_mu_;  // guards g_.entry_point and g_.max_level
};

template <class Space, class Exact>
void Builder<Space, Exact>::Insert(int32_t q, HnswScratch& s, Space& space, Exact* exact) {
  const int level = g_.levels[static_cast<size_t>(q)] - 1;
  std::unique_lock<std::mutex> entry_lock(entry_mu_);
  const int32_t ep = g_.entry_point;
  const int max_level = g_.max_level;
  if (ep < 0) {  // first node
    g_.entry_point = q;
    g_.max_level = level;
    return;
  }
  // A node above the current top keeps the lock until it is the new entry
  // point (rare: one node per new level).
  if (level <= max_level) entry_lock.unlock();

  space.SetQueryNode(q);
  if (exact != nullptr) exact->SetQueryNode(q);
  Neighbor cur{0, ep};
  space.ToNodes(&cur.id, 1, &cur.d);
  s.NewWalk(g_.ntotal());
  for (int l = max_level; l > level; --l) cur = GreedyClosest(g_, space, &locks_, l, cur, s);
  std::vector<Neighbor> sorted, cand, kept;
  for (int l = std::min(level, max_level); l >= 0; --l) {
    s.NewWalk(g_.ntotal());
    StartFrom(cur, s);
    s.Visit(q);
    SearchLevel(g_, space, &locks_, l, ef_, s);
    sorted.assign(s.results.begin(), s.results.end());
    if (exact != nullptr) {
      s.ids.resize(sorted.size());
      s.dists.resize(sorted.size());
      for (size_t j = 0; j < sorted.size(); ++j) s.ids[j] = sorted[j].id;
      exact->ToNodes(s.ids.data(), sorted.size(), s.dists.data());
      for (size_t j = 0; j < sorted.size(); ++j) sorted[j].d = s.dists[j];
    }
    std::sort(sorted.begin(), sorted.end(), Closer);
    SelectNeighbors(space, sorted, g_.M(), s.selected);
    {
      const NodeLock lock(&locks_, q);
      WriteLinks(q, l, s.selected);
    }
    for (const Neighbor& v : s.selected) AddLink(v.id, q, v.d, l, cand, kept, s.ids, s.dists);
    cur = sorted.front();
  }
  if (level > max_level) {
    g_.entry_point = q;
    g_.max_level = level;
  }
}

template <class Space, class Exact>
void Builder<Space, Exact>::AddLink(int32_t node, int32_t q, float d, int level,
                                    std::vector<Neighbor>& cand, std::vector<Neighbor>& kept,
                                    std::vector<int32_t>& ids, std::vector<float>& dists) {
  const NodeLock lock(&locks_, node);
  const size_t b = g_.begin(static_cast<size_t>(node), level);
  const size_t e = g_.end(static_cast<size_t>(node), level);
  size_t s = b;
  while (s < e && g_.neighbors[s] >= 0) ++s;
  if (s < e) {
    g_.neighbors[s] = q;
    return;
  }
  // The distances from node to its links through a Space (Between's values),
  // whose ToNodes fetches the links' rows ahead of scoring them.
  const size_t m = e - b;
  ids.assign(g_.neighbors.begin() + static_cast<ptrdiff_t>(b), g_.neighbors.begin() + static_cast<ptrdiff_t>(e));
  dists.resize(m);
  Space from_node = space_;
  from_node.SetQueryNode(node);
  from_node.ToNodes(ids.data(), m, dists.data());
  cand.clear();
  cand.push_back({d, q});
  for (size_t t = 0; t < m; ++t) cand.push_back({dists[t], ids[t]});
  std::sort(cand.begin(), cand.end(), Closer);
  SelectNeighbors(space_, cand, e - b, kept);
  WriteLinks(node, level, kept);
}

// Inserts nodes [first, n) in id order, or in the order insert_order[first..n)
// gives (node ids) when it is not null.
template <class Space, class Exact>
Status InsertWith(HnswGraph& graph, size_t first, const Space& space, const Exact* exact,
                  size_t ef_construction, const ExecContext& ctx,
                  const int32_t* insert_order = nullptr) {
  const size_t n = graph.ntotal();
  Builder<Space, Exact> builder(graph, space, exact, std::max<size_t>(ef_construction, 1));
  ThreadPool& pool = *ctx.pool;
  const auto nt = static_cast<size_t>(pool.num_threads());
  std::vector<HnswScratch> scratch(nt);
  std::vector<Space> spaces(nt, space);
  std::vector<Exact> exacts;
  if (exact != nullptr) exacts.assign(nt, *exact);
  auto exact_of = [&](size_t w) { return exacts.empty() ? nullptr : &exacts[w]; };
  auto node = [&](size_t i) {
    return insert_order != nullptr ? insert_order[i] : static_cast<int32_t>(i);
  };
  // The first node alone, so that every parallel insert finds an entry point.
  builder.Insert(node(first), scratch[0], spaces[0], exact_of(0));
  std::atomic<size_t> done{1};
  std::atomic<bool> cancelled{false};
  const size_t total = n - first;
  pool.ParallelFor(total - 1, kInsertGrain, [&](size_t b, size_t e, int worker) {
    if (cancelled.load(std::memory_order_relaxed) || ctx.cancelled()) {
      cancelled.store(true, std::memory_order_relaxed);
      return;
    }
    const auto w = static_cast<size_t>(worker);
    for (size_t i = b; i < e; ++i)
      builder.Insert(node(first + 1 + i), scratch[w], spaces[w], exact_of(w));
    ctx.Report("hnsw insert", done.fetch_add(e - b) + (e - b), total);
  });
  if (cancelled.load() || ctx.cancelled()) return CancelledError("cancelled during hnsw insert");
  return OkStatus();
}

// Copies built (on build ids, order[b] = input id of b) into graph, whose
// levels and offsets are already those of the input ids.
void MapToInputIds(const HnswGraph& built, const std::vector<int32_t>& order,
                   const std::vector<int32_t>& build_id, HnswGraph& graph) {
  const size_t n = graph.ntotal();
  graph.neighbors.clear();
  graph.neighbors.shrink_to_fit();
  graph.neighbors.reserve(graph.offsets.back());
  AdviseHugePages(graph.neighbors.data(), graph.offsets.back() * sizeof(int32_t));
  graph.neighbors.resize(graph.offsets.back(), -1);
  for (size_t a = 0; a < n; ++a) {
    const auto b = static_cast<size_t>(build_id[a]);
    const size_t from = built.begin(b, 0), to = graph.begin(a, 0);
    const size_t slots = graph.offsets[a + 1] - graph.offsets[a];
    for (size_t s = 0; s < slots; ++s) {
      const int32_t v = built.neighbors[from + s];
      graph.neighbors[to + s] = v < 0 ? -1 : order[static_cast<size_t>(v)];
    }
  }
  graph.entry_point = order[static_cast<size_t>(built.entry_point)];
  graph.max_level = built.max_level;
}

// InsertNodes for a graph of new nodes only, on build codes in locality
// order (hnsw_locality.h); nodes are inserted in input order.
Status InsertInLocalityOrder(HnswGraph& graph, const FloatSpace& rows, size_t d, bool inner_product,
                             const HnswBuildOptions& options, const ExecContext& ctx) {
  const size_t n = graph.ntotal();
  KILN_ASSIGN_OR_RETURN(const std::vector<int32_t> order, LocalityOrder(rows, n, d, ctx));
  std::vector<int32_t> build_id(n);
  for (size_t b = 0; b < n; ++b) build_id[static_cast<size_t>(order[b])] = static_cast<int32_t>(b);
  // The input-id slots are allocated again once the build ones are done.
  graph.neighbors.clear();
  graph.neighbors.shrink_to_fit();
  HnswGraph built(graph.M());
  {
    std::vector<int> levels(n);
    for (size_t b = 0; b < n; ++b) levels[b] = graph.levels[static_cast<size_t>(order[b])] - 1;
    built.AppendNodes(levels);
  }
  {
    const BuildCodes codes(rows, n, d, inner_product, *ctx.pool, order.data());
    const FineRowSpace fine(codes, rows, inner_product, order.data());
    KILN_RETURN_IF_ERROR(InsertWith(built, 0, CodeSpace(codes), codes.exact() || !options.rerank ? nullptr : &fine,
                                    options.ef_construction, ctx, build_id.data()));
  }
  RepairReachability(built);
  MapToInputIds(built, order, build_id, graph);
  return OkStatus();
}

}  // namespace

Status InsertNodes(HnswGraph& graph, size_t first, const FloatSpace& rows, size_t d,
                   bool inner_product, const HnswBuildOptions& options, const ExecContext& ctx) {
  const size_t n = graph.ntotal();
  if (first >= n) return OkStatus();
  if (options.build_codes && options.locality_order && first == 0 && n >= options.min_locality_nodes) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
    return InsertInLocalityOrder(graph, rows, d, inner_product, options, ctx);
  }
  if (options.build_codes) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
    const BuildCodes codes(rows, n, d, inner_product, *ctx.pool);
    const FineRowSpace fine(codes, rows, inner_product);
    return InsertNodesOnCodes(graph, first, codes, codes.exact() || !options.rerank ? nullptr : &fine,
                              options.ef_construction, ctx);
  }
  KILN_RETURN_IF_ERROR(InsertWith(graph, first, rows, static_cast<const FloatSpace*>(nullptr),
                                  options.ef_construction, ctx));
  RepairReachability(graph);
  return OkStatus();
}

namespace {

template <class Exact>
Status InsertOnCodes(HnswGraph& graph, size_t first, const BuildCodes& codes, const Exact* rerank_rows,
                     size_t ef_construction, const ExecContext& ctx) {
  if (first >= graph.ntotal()) return OkStatus();
  KILN_RETURN_IF_ERROR(InsertWith(graph, first, CodeSpace(codes), rerank_rows, ef_construction, ctx));
  RepairReachability(graph);
  return OkStatus();
}

}  // namespace

Status InsertNodesOnCodes(HnswGraph& graph, size_t first, const BuildCodes& codes,
                          const FineRowSpace* rerank_rows, size_t ef_construction,
                          const ExecContext& ctx) {
  return InsertOnCodes(graph, first, codes, rerank_rows, ef_construction, ctx);
}

Status InsertNodesOnCodes(HnswGraph& graph, size_t first, const BuildCodes& codes,
                          const FineSpace* rerank_rows, size_t ef_construction,
                          const ExecContext& ctx) {
  return InsertOnCodes(graph, first, codes, rerank_rows, ef_construction, ctx);
}

}  // namespace kiln::index::hnsw

namespace kiln::index::hnsw {

Status InsertBinaryNodes(HnswGraph& graph, size_t first, const HammingSpace& codes,
                         size_t ef_construction, const ExecContext& ctx) {
  if (first >= graph.ntotal()) return OkStatus();
  KILN_RETURN_IF_ERROR(
      InsertWith(graph, first, codes, static_cast<const HammingSpace*>(nullptr), ef_construction, ctx));
  RepairReachability(graph);
  return OkStatus();
}

}  // namespace kiln::index::hnsw
