#include "kiln/index/hnsw/hnsw_reachability.h"

#include <cstdint>
#include <vector>

namespace kiln::index::hnsw {
namespace {

// Nodes a search for a free slot looks at before it gives up.
constexpr size_t kMaxHostSearch = 4096;
// Passes when links had to be replaced (each may strand the replaced target).
constexpr int kMaxPasses = 16;

// Marks the level-0 nodes reachable from `from` in `seen` (DFS).
void MarkReachable(const HnswGraph& g, int32_t from, std::vector<uint8_t>& seen,
                   std::vector<int32_t>& todo) {
  if (seen[static_cast<size_t>(from)]) return;
  seen[static_cast<size_t>(from)] = 1;
  todo.assign(1, from);
  while (!todo.empty()) {
    const int32_t u = todo.back();
    todo.pop_back();
    for (size_t s = g.begin(static_cast<size_t>(u), 0); s < g.end(static_cast<size_t>(u), 0); ++s) {
      const int32_t v = g.neighbors[s];
      if (v < 0) break;
      if (!seen[static_cast<size_t>(v)]) {
        seen[static_cast<size_t>(v)] = 1;
        todo.push_back(v);
      }
    }
  }
}

// First free level-0 slot of node p, or end(p, 0) when the list is full.
size_t FreeSlot(const HnswGraph& g, size_t p) {
  size_t t = g.begin(p, 0);
  while (t < g.end(p, 0) && g.neighbors[t] >= 0) ++t;
  return t;
}

// One pass: links every node not reachable from the entry point. Sets
// *replaced when a link had to be overwritten.
size_t RepairPass(HnswGraph& g, bool* replaced) {
  const size_t n = g.ntotal();
  std::vector<uint8_t> seen(n, 0);
  std::vector<int32_t> todo, queue;
  std::vector<uint32_t> stamp(n, 0);  // nodes looked at by the current host search
  MarkReachable(g, g.entry_point, seen, todo);
  size_t linked = 0;
  for (size_t u = 0; u < n; ++u) {
    if (seen[u]) continue;
    // Breadth-first along out-links from u for a reachable node with a free
    // slot; remember the first reachable (full) one as a fallback.
    const auto mark = static_cast<uint32_t>(linked + 1);
    stamp[u] = mark;
    queue.assign(1, static_cast<int32_t>(u));
    int32_t host = -1, full = -1;
    for (size_t head = 0; head < queue.size() && host < 0 && queue.size() < kMaxHostSearch; ++head) {
      const auto w = static_cast<size_t>(queue[head]);
      for (size_t s = g.begin(w, 0); s < g.end(w, 0); ++s) {
        const int32_t v = g.neighbors[s];
        if (v < 0) break;
        if (stamp[static_cast<size_t>(v)] == mark) continue;
        stamp[static_cast<size_t>(v)] = mark;
        queue.push_back(v);
        if (!seen[static_cast<size_t>(v)]) continue;
        if (FreeSlot(g, static_cast<size_t>(v)) < g.end(static_cast<size_t>(v), 0)) {
          host = v;
          break;
        }
        if (full < 0) full = v;
      }
    }
    if (host >= 0) {
      g.neighbors[FreeSlot(g, static_cast<size_t>(host))] = static_cast<int32_t>(u);
    } else {
      // Every reachable node looked at is full (or u leads to none): its last
      // link, or the entry point's, makes way for u.
      const auto p = static_cast<size_t>(full >= 0 ? full : g.entry_point);
      const size_t t = FreeSlot(g, p);
      if (t == g.end(p, 0)) *replaced = true;
      g.neighbors[t < g.end(p, 0) ? t : t - 1] = static_cast<int32_t>(u);
    }
    MarkReachable(g, static_cast<int32_t>(u), seen, todo);
    ++linked;
  }
  return linked;
}

}  // namespace

size_t CountReachable(const HnswGraph& g) {
  if (g.ntotal() == 0) return 0;
  std::vector<uint8_t> seen(g.ntotal(), 0);
  std::vector<int32_t> todo;
  MarkReachable(g, g.entry_point, seen, todo);
  size_t count = 0;
  for (const uint8_t s : seen) count += s;
  return count;
}

size_t RepairReachability(HnswGraph& g) {
  if (g.ntotal() == 0) return 0;
  size_t linked = 0;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    bool replaced = false;
    linked += RepairPass(g, &replaced);
    if (!replaced) break;
  }
  return linked;
}

}  // namespace kiln::index::hnsw
