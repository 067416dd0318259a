// Faiss 1.7.3's HNSW search walk (HNSW::search with upper_beam = 1 and
// search_bounded_queue, faiss/impl/HNSW.cpp), reproduced so that kiln
// answers a query exactly as a Faiss server reading kiln's file does (up to
// float rounding of the distances):
//   - greedy descent from the entry point on levels max_level..1, moving to
//     a neighbour only when strictly closer;
//   - at level 0 a "minimax" candidate heap of max(efSearch, k) entries: a
//     binary max-heap whose popped entries stay in place with id -1; when
//     full, a new candidate replaces the farthest one unless it is no closer;
//   - pop the closest live candidate; stop when at least efSearch entries
//     (popped ones included) are closer than it (check_relative_distance);
//   - every visited node enters the k-best result set.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/index/hnsw/hnsw_search.h"

namespace kiln::index::hnsw {

// Faiss's HNSW::MinimaxHeap over a 1-based binary max-heap (faiss/utils/Heap.h
// heap_push / heap_pop with CMax, ties broken by the larger id on top).
class MinimaxHeap {
 public:
  void Reset(size_t n) {
    n_ = n;
    k_ = 0;
    nvalid_ = 0;
    ids_.assign(n, -1);
    dis_.assign(n, 0);
  }
  // Live entries as Faiss counts them (may undercount, see Push).
  ptrdiff_t size() const { return nvalid_; }

  void Push(int32_t id, float d) {
    if (k_ == n_) {
      if (d >= dis_[0]) return;
      // 1.7.3 counts the dropped entry as live even when it was already
      // popped (later Faiss checks ids[0] != -1), so the walk can end with
      // live candidates left: kept for identical answers.
      --nvalid_;
      HeapPop();
    }
    HeapPush(id, d);
    ++nvalid_;
  }

  // The live entry of smallest distance (the last one scanned on ties),
  // marked popped. nvalid must be > 0.
  int32_t PopMin(float* d_out) {
    ptrdiff_t i = static_cast<ptrdiff_t>(k_) - 1;
    while (i >= 0 && ids_[static_cast<size_t>(i)] == -1) --i;
    if (i < 0) return -1;
    size_t imin = static_cast<size_t>(i);
    float vmin = dis_[imin];
    for (--i; i >= 0; --i) {
      const auto u = static_cast<size_t>(i);
      if (ids_[u] != -1 && dis_[u] < vmin) {
        vmin = dis_[u];
        imin = u;
      }
    }
    *d_out = vmin;
    const int32_t id = ids_[imin];
    ids_[imin] = -1;
    --nvalid_;
    return id;
  }

  // Entries (popped ones included) with distance < threshold.
  size_t CountBelow(float threshold) const {
    size_t n = 0;
    for (size_t i = 0; i < k_; ++i) n += dis_[i] < threshold;
    return n;
  }

 private:
  // CMax::cmp2: a above b in the max-heap.
  static bool Above(float da, int32_t ia, float db, int32_t ib) {
    return da > db || (da == db && ia > ib);
  }
  void HeapPush(int32_t id, float d) {
    size_t i = ++k_;  // 1-based
    while (i > 1) {
      const size_t father = i >> 1;
      if (!Above(d, id, dis_[father - 1], ids_[father - 1])) break;
      dis_[i - 1] = dis_[father - 1];
      ids_[i - 1] = ids_[father - 1];
      i = father;
    }
    dis_[i - 1] = d;
    ids_[i - 1] = id;
  }
  void HeapPop() {
    const size_t k = k_--;
    const float d = dis_[k - 1];
    const int32_t id = ids_[k - 1];
    size_t i = 1;
    for (;;) {
      const size_t i1 = i << 1, i2 = i1 + 1;
      if (i1 > k) break;
      size_t child;
      if (i2 == k + 1 || Above(dis_[i1 - 1], ids_[i1 - 1], dis_[i2 - 1], ids_[i2 - 1]))
        child = i1;
      else
        child = i2;
      if (Above(d, id, dis_[child - 1], ids_[child - 1])) break;
      dis_[i - 1] = dis_[child - 1];
      ids_[i - 1] = ids_[child - 1];
      i = child;
    }
    dis_[i - 1] = dis_[k - 1];
    ids_[i - 1] = ids_[k - 1];
  }

  size_t n_ = 0, k_ = 0;
  ptrdiff_t nvalid_ = 0;
  std::vector<int32_t> ids_;
  std::vector<float> dis_;
};

// Faiss's k-best result set: a max-heap of (distance, id), CMax order.
class ResultHeap {
 public:
  void Reset(size_t k) {
    k_ = k;
    heap_.clear();
  }
  void Offer(float d, int32_t id) {
    if (heap_.size() < k_) {
      heap_.push_back({d, id});
      std::push_heap(heap_.begin(), heap_.end(), Lower);
    } else if (d < heap_.front().d) {
      std::pop_heap(heap_.begin(), heap_.end(), Lower);
      heap_.back() = {d, id};
      std::push_heap(heap_.begin(), heap_.end(), Lower);
    }
  }
  // Best first (ascending distance, then id).
  void Extract(std::vector<Neighbor>& out) {
    out.assign(heap_.begin(), heap_.end());
    std::sort(out.begin(), out.end(), Closer);
  }

 private:
  static bool Lower(const Neighbor& a, const Neighbor& b) {
    return a.d < b.d || (a.d == b.d && a.id < b.id);
  }
  size_t k_ = 0;
  std::vector<Neighbor> heap_;
};

struct FaissWalkScratch {
  HnswScratch walk;
  MinimaxHeap candidates;
  ResultHeap results;
};

template <class Space>
void SearchGraphFaiss(const HnswGraph& g, const Space& space, size_t k, size_t ef_search,
                      FaissWalkScratch& s, std::vector<Neighbor>& out) {
  HnswScratch& w = s.walk;
  w.NewWalk(g.ntotal());
  w.ids.resize(g.capacity(0));
  w.dists.resize(g.capacity(0));
  int32_t nearest = g.entry_point;
  float d_nearest;
  space.ToNodes(&nearest, 1, &d_nearest);
  for (int level = g.max_level; level >= 1; --level) {
    for (;;) {
      const int32_t prev = nearest;
      const size_t n = GatherLinks(g, prev, level, nullptr, w.ids.data());
      space.ToNodes(w.ids.data(), n, w.dists.data());
      for (size_t j = 0; j < n; ++j) {
        if (w.dists[j] < d_nearest) {
          nearest = w.ids[j];
          d_nearest = w.dists[j];
        }
      }
      if (nearest == prev) break;
    }
  }
  s.candidates.Reset(std::max(ef_search, k));
  s.results.Reset(k);
  s.candidates.Push(nearest, d_nearest);
  s.results.Offer(d_nearest, nearest);
  w.Visit(nearest);
  while (s.candidates.size() > 0) {
    float d0 = 0;
    const int32_t v0 = s.candidates.PopMin(&d0);
    if (s.candidates.CountBelow(d0) >= ef_search) break;
    size_t n = GatherLinks(g, v0, 0, nullptr, w.ids.data());
    size_t fresh = 0;
    for (size_t j = 0; j < n; ++j)
      if (w.Visit(w.ids[j])) w.ids[fresh++] = w.ids[j];
    n = fresh;
    space.ToNodes(w.ids.data(), n, w.dists.data());
    for (size_t j = 0; j < n; ++j) {
      s.results.Offer(w.dists[j], w.ids[j]);
      s.candidates.Push(w.ids[j], w.dists[j]);
    }
  }
  s.results.Extract(out);
}

}  // namespace kiln::index::hnsw
