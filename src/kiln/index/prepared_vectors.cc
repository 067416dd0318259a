#include "kiln/index/prepared_vectors.h"

#include <cstring>

#include "kiln/linalg/norms.h"

namespace kiln::index {

PreparedVectors::PreparedVectors(const float* x, size_t n, size_t d, Metric metric,
                                 ThreadPool& pool)
    : data_(x) {
  if (metric != Metric::kCosine || n == 0) return;
  copy_.Resize(n * d);
  std::memcpy(copy_.data(), x, n * d * sizeof(float));
  linalg::NormalizeRows(copy_.data(), n, d, pool);
  data_ = copy_.data();
}

}  // namespace kiln::index
