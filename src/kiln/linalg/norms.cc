#include "kiln/linalg/norms.h"

#include <atomic>
#include <cmath>

#include "kiln/simd/distances.h"

namespace kiln::linalg {

void RowNormsSqr(const float* x, size_t n, size_t d, float* out, ThreadPool& pool) {
  const auto& kernels = simd::ActiveKernels();
  pool.ParallelFor(n, 4096, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) out[i] = kernels.norm_sqr(x + i * d, d);
  });
}

size_t NormalizeRows(float* x, size_t n, size_t d, ThreadPool& pool) {
  const auto& kernels = simd::ActiveKernels();
  std::atomic<size_t> zero_rows{0};
  pool.ParallelFor(n, 4096, [&](size_t b, size_t e, int) {
    size_t zeros = 0;
    for (size_t i = b; i < e; ++i) {
      float* row = x + i * d;
      float norm = std::sqrt(kernels.norm_sqr(row, d));
      if (norm == 0) {
        ++zeros;
        continue;
      }
      float inv = 1.0f / norm;
      for (size_t j = 0; j < d; ++j) row[j] *= inv;
    }
    zero_rows += zeros;
  });
  return zero_rows.load();
}

}  // namespace kiln::linalg
