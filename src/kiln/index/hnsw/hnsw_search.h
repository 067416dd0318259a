// The HNSW graph walks shared by building and searching (internal to
// kiln_index). A Space gives distances where smaller is better (squared L2,
// or the negated inner product, as Faiss's HNSW does):
//   void  SetQuery(const float* q);
//   void  ToNodes(const int32_t* ids, size_t n, float* out) const;  // query → nodes
//   float Between(int32_t a, int32_t b) const;                      // node → node
// While a build runs, neighbour lists are read under the node's lock
// (NodeLocks); searches of a finished graph pass locks = nullptr.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <memory>
#include <vector>

#include "kiln/index/hnsw/hnsw_graph.h"
#include "kiln/index/hnsw/hnsw_memory.h"

namespace kiln::index::hnsw {

struct Neighbor {
  float d;
  int32_t id;
};
// Comparators as function objects (not function pointers) so that the
// standard heap and sort algorithms inline them.
struct CloserT {
  bool operator()(const Neighbor& a, const Neighbor& b) const {
    return a.d < b.d || (a.d == b.d && a.id < b.id);
  }
};
inline constexpr CloserT Closer{};

// One spinlock byte per node (a compact table stays in cache, unlike one
// mutex per node). A thread holds at most one at a time, for a few dozen
// loads or stores, so spinning is cheap.
class NodeLocks {
 public:
  explicit NodeLocks(size_t n) : flags_(new std::atomic<uint8_t>[n]) {
    for (size_t i = 0; i < n; ++i) flags_[i].store(0, std::memory_order_relaxed);
  }
  void lock(int32_t node) const {
    std::atomic<uint8_t>& f = flags_[static_cast<size_t>(node)];
    while (f.exchange(1, std::memory_order_acquire) != 0) {
      while (f.load(std::memory_order_relaxed) != 0) __builtin_ia32_pause();
    }
  }
  void unlock(int32_t node) const { flags_[static_cast<size_t>(node)].store(0, std::memory_order_release); }
  void Prefetch(int32_t node) const { __builtin_prefetch(&flags_[static_cast<size_t>(node)], 1); }

 private:
  std::unique_ptr<std::atomic<uint8_t>[]> flags_;
};

// Holds one node's lock for a scope (no lock when locks is null).
class NodeLock {
 public:
  NodeLock(const NodeLocks* locks, int32_t node) : locks_(locks), node_(node) {
    if (locks_ != nullptr) locks_->lock(node_);
  }
  ~NodeLock() {
    if (locks_ != nullptr) locks_->unlock(node_);
  }
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

 private:
  const NodeLocks* locks_;
  int32_t node_;
};

// Per-worker scratch reused across queries: an epoch-stamped visited table
// and the two heaps of a layer search.
class HnswScratch {
 public:
  // Starts a new walk over a graph of n nodes (O(1) except every 255 walks).
  void NewWalk(size_t n) {
    if (visited_.size() < n) {
      visited_.reserve(n);
      AdviseHugePages(visited_.data(), n);
      visited_.resize(n, 0);
    }
    if (++epoch_ == 0) {
      std::fill(visited_.begin(), visited_.end(), 0);
      epoch_ = 1;
    }
  }
  // Marks id; true when it was not yet visited in this walk.
  bool Visit(int32_t id) {
    uint8_t& v = visited_[static_cast<size_t>(id)];
    if (v == epoch_) return false;
    v = epoch_;
    return true;
  }

  std::vector<Neighbor> candidates;  // min-heap on d (front = closest)
  std::vector<Neighbor> results;     // max-heap on d (front = farthest kept)
  std::vector<int32_t> ids;
  std::vector<float> dists;
  std::vector<Neighbor> selected;

 private:
  std::vector<uint8_t> visited_;  // 8-bit stamps: n bytes per worker, cache-friendly
  uint8_t epoch_ = 0;
};

struct MinHeapOrderT {
  bool operator()(const Neighbor& a, const Neighbor& b) const { return b.d < a.d; }
};
struct MaxHeapOrderT {
  bool operator()(const Neighbor& a, const Neighbor& b) const { return a.d < b.d; }
};
inline constexpr MinHeapOrderT MinHeapOrder{};
inline constexpr MaxHeapOrderT MaxHeapOrder{};

// Copies node's links at level into out (sized >= capacity); returns the count.
inline size_t GatherLinks(const HnswGraph& g, int32_t node, int level, const NodeLocks* locks,
                          int32_t* out) {
  const size_t b = g.begin(static_cast<size_t>(node), level);
  const size_t e = g.end(static_cast<size_t>(node), level);
  const NodeLock lock(locks, node);
  size_t n = 0;
  for (size_t s = b; s < e; ++s) {
    const int32_t v = g.neighbors[s];
    if (v < 0) break;
    out[n++] = v;
  }
  return n;
}

// Greedy walk at one level from cur to a local minimum.
template <class Space>
Neighbor GreedyClosest(const HnswGraph& g, const Space& space, const NodeLocks* locks, int level,
                       Neighbor cur, HnswScratch& s) {
  s.ids.resize(g.capacity(0));
  s.dists.resize(g.capacity(0));
  for (bool changed = true; changed;) {
    changed = false;
    const size_t n = GatherLinks(g, cur.id, level, locks, s.ids.data());
    space.ToNodes(s.ids.data(), n, s.dists.data());
    for (size_t j = 0; j < n; ++j) {
      if (Closer({s.dists[j], s.ids[j]}, cur)) {
        cur = {s.dists[j], s.ids[j]};
        changed = true;
      }
    }
  }
  return cur;
}

// Best-first search at one level from the entry points already in s.results
// (marked visited; s.candidates holds the same points). On return s.results
// is a max-heap of up to ef nearest nodes found.
template <class Space>
void SearchLevel(const HnswGraph& g, const Space& space, const NodeLocks* locks, int level,
                 size_t ef, HnswScratch& s) {
  s.ids.resize(g.capacity(0));
  s.dists.resize(g.capacity(0));
  while (!s.candidates.empty()) {
    const Neighbor c = s.candidates.front();
    if (s.results.size() >= ef && c.d > s.results.front().d) break;
    std::pop_heap(s.candidates.begin(), s.candidates.end(), MinHeapOrder);
    s.candidates.pop_back();
    // The next candidate is likely the current closest: fetch its links (a
    // random DRAM access) while this one's neighbours are scored.
    if (!s.candidates.empty()) {
      const int32_t next = s.candidates.front().id;
      const int32_t* links = &g.neighbors[g.begin(static_cast<size_t>(next), level)];
      __builtin_prefetch(links);
      __builtin_prefetch(links + 16);
      if (locks != nullptr) locks->Prefetch(next);
    }
    size_t n = GatherLinks(g, c.id, level, locks, s.ids.data());
    size_t fresh = 0;
    for (size_t j = 0; j < n; ++j)
      if (s.Visit(s.ids[j])) s.ids[fresh++] = s.ids[j];
    n = fresh;
    space.ToNodes(s.ids.data(), n, s.dists.data());
    for (size_t j = 0; j < n; ++j) {
      const Neighbor v{s.dists[j], s.ids[j]};
      if (s.results.size() < ef || v.d < s.results.front().d) {
        // A candidate may be expanded soon: its link block's offset is a
        // random read that would otherwise stall the prefetch of its links.
        __builtin_prefetch(&g.offsets[static_cast<size_t>(v.id)]);
        s.candidates.push_back(v);
        std::push_heap(s.candidates.begin(), s.candidates.end(), MinHeapOrder);
        s.results.push_back(v);
        std::push_heap(s.results.begin(), s.results.end(), MaxHeapOrder);
        if (s.results.size() > ef) {
          std::pop_heap(s.results.begin(), s.results.end(), MaxHeapOrder);
          s.results.pop_back();
        }
      }
    }
  }
}

// Starts s for a layer search from one entry point.
inline void StartFrom(Neighbor entry, HnswScratch& s) {
  s.candidates.assign(1, entry);
  s.results.assign(1, entry);
  s.Visit(entry.id);
}

// k-NN of the query already set in space: greedy descent to level 1, then a
// layer search with max(ef, k) at level 0. Writes up to k results best first
// into out (resized); the graph must be non-empty.
template <class Space>
void SearchGraph(const HnswGraph& g, const Space& space, size_t k, size_t ef, HnswScratch& s,
                 std::vector<Neighbor>& out) {
  s.NewWalk(g.ntotal());
  Neighbor cur{0, g.entry_point};
  space.ToNodes(&cur.id, 1, &cur.d);
  for (int level = g.max_level; level > 0; --level) cur = GreedyClosest(g, space, nullptr, level, cur, s);
  StartFrom(cur, s);
  SearchLevel(g, space, nullptr, 0, std::max(ef, k), s);
  std::sort(s.results.begin(), s.results.end(), Closer);
  out.assign(s.results.begin(), s.results.begin() + static_cast<ptrdiff_t>(std::min(k, s.results.size())));
}

}  // namespace kiln::index::hnsw
