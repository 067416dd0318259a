#include "kiln/linalg/topk.h"

#include <limits>

namespace kiln::linalg {

float TopKMin::threshold() const {
  if (heap_.size() < k_) return std::numeric_limits<float>::infinity();
  return heap_.front().first;
}

void TopKMin::Push(float distance, idx_t id) {
  if (k_ == 0) return;
  if (heap_.size() < k_) {
    heap_.emplace_back(distance, id);
    std::push_heap(heap_.begin(), heap_.end());
  } else if (std::make_pair(distance, id) < heap_.front()) {
    std::pop_heap(heap_.begin(), heap_.end());
    heap_.back() = {distance, id};
    std::push_heap(heap_.begin(), heap_.end());
  }
}

void TopKMin::Extract(float* distances, idx_t* labels) {
  std::sort_heap(heap_.begin(), heap_.end());
  for (size_t i = 0; i < k_; ++i) {
    if (i < heap_.size()) {
      distances[i] = heap_[i].first;
      labels[i] = heap_[i].second;
    } else {
      distances[i] = std::numeric_limits<float>::infinity();
      labels[i] = -1;
    }
  }
  heap_.clear();
}

}  // namespace kiln::linalg
