#include "kiln/linalg/assign.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/linalg/gemm.h"
#include "kiln/linalg/norms.h"

namespace kiln::linalg {
namespace {
constexpr size_t kPointBlock = 128;
constexpr size_t kCentroidBlock = 1024;
}  // namespace

void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms,
                   size_t k, size_t d, const AssignOutput& out, ThreadPool& pool) {
  const size_t cb = std::min(kCentroidBlock, k);
  std::vector<AlignedBuffer<float>> scratch(pool.num_threads());
  for (auto& s : scratch) s.Resize(kPointBlock * cb);
  const float inf = std::numeric_limits<float>::infinity();

  pool.ParallelFor(n, kPointBlock, [&](size_t p0, size_t p1, int worker) {
    const size_t m = p1 - p0;
    float* ip = scratch[worker].data();
    float best[kPointBlock], second[kPointBlock];
    idx_t best_id[kPointBlock];
    std::fill(best, best + m, inf);
    std::fill(second, second + m, inf);
    std::fill(best_id, best_id + m, 0);
    for (size_t c0 = 0; c0 < k; c0 += cb) {
      const size_t mc = std::min(cb, k - c0);
      SgemmNT(m, mc, d, -2.0f, x + p0 * d, d, centroids + c0 * d, d, 0.0f, ip, mc);
      for (size_t i = 0; i < m; ++i) {
        const float* row = ip + i * mc;
        float b = best[i], s = second[i];
        idx_t bi = best_id[i];
        for (size_t j = 0; j < mc; ++j) {
          float v = row[j] + centroid_norms[c0 + j];
          if (v < s) {
            if (v < b) {
              s = b;
              b = v;
              bi = static_cast<idx_t>(c0 + j);
            } else {
              s = v;
            }
          }
        }
        best[i] = b;
        second[i] = s;
        best_id[i] = bi;
      }
    }
    for (size_t i = 0; i < m; ++i) {
      const float* p = x + (p0 + i) * d;
      float xn = 0;
      for (size_t t = 0; t < d; ++t) xn += p[t] * p[t];
      out.nearest[p0 + i] = best_id[i];
      if (out.nearest_dist) out.nearest_dist[p0 + i] = std::max(0.0f, best[i] + xn);
      if (out.second_dist) out.second_dist[p0 + i] = second[i] == inf ? inf : std::max(0.0f, second[i] + xn);
    }
  });
}

}  // namespace kiln::linalg
