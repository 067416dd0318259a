// Bounded best-k collector for small k (k ≲ 1000). "Better" is smaller for
// L2 and larger for similarities; results come out best first.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "kiln/base/types.h"

namespace kiln::linalg {

// Keeps the k smallest (distance, id) pairs: a max-heap on distance.
class TopKMin {
 public:
  explicit TopKMin(size_t k) : k_(k) { heap_.reserve(k); }
  // Worst distance kept, or +inf while fewer than k are held: a candidate
  // must beat it to enter.
  float threshold() const;
  void Push(float distance, idx_t id);
  size_t size() const { return heap_.size(); }
  // Writes k results best first; missing slots get (+inf, -1). Empties the heap.
  void Extract(float* distances, idx_t* labels);

 private:
  size_t k_;
  std::vector<std::pair<float, idx_t>> heap_;
};

}  // namespace kiln::linalg
