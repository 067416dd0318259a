// Vectors as an index sees them. For Metric::kCosine the index works on unit
// vectors, so it L2-normalises a private copy of whatever it trains on, adds
// or searches with; for other metrics the caller's rows are used as they are.
#pragma once

#include <cstddef>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"

namespace kiln::index {

class PreparedVectors {
 public:
  // x: n×d rows; borrowed (not copied) unless metric is kCosine.
  PreparedVectors(const float* x, size_t n, size_t d, Metric metric, ThreadPool& pool);
  PreparedVectors(const PreparedVectors&) = delete;
  PreparedVectors& operator=(const PreparedVectors&) = delete;

  const float* data() const { return data_; }

 private:
  AlignedBuffer<float> copy_;
  const float* data_;
};

}  // namespace kiln::index
