#include <algorithm>
#include <cstring>

#include "kiln/cluster/kmeans_internal.h"
#include "kiln/simd/distances.h"

namespace kiln::cluster::internal {

void ComputeClusterSums(const float* x, size_t n, size_t d, size_t k, const idx_t* assign, ClusterSums& cs,
                        ThreadPool& pool) {
  // Counting sort of points by cluster: order[offsets[c] .. offsets[c+1]).
  cs.counts.assign(k, 0);
  cs.sums.assign(k * d, 0.0);
  for (size_t i = 0; i < n; ++i) ++cs.counts[static_cast<size_t>(assign[i])];
  std::vector<size_t> offsets(k + 1, 0);
  for (size_t c = 0; c < k; ++c) offsets[c + 1] = offsets[c] + cs.counts[c];
  std::vector<uint32_t> order(n);
  {
    std::vector<size_t> cursor(offsets.begin(), offsets.end() - 1);
    for (size_t i = 0; i < n; ++i) order[cursor[static_cast<size_t>(assign[i])]++] = static_cast<uint32_t>(i);
  }
  // Each cluster sums its points in point order (in double), so the result
  // does not depend on the thread count or the SIMD level.
  const auto& kernels = simd::ActiveKernels();
  pool.ParallelFor(k, 16, [&](size_t c0, size_t c1, int) {
    for (size_t c = c0; c < c1; ++c)
      if (cs.counts[c] != 0) kernels.add_rows_to_double(x, order.data() + offsets[c], cs.counts[c], d, &cs.sums[c * d]);
  });
}

size_t MoveClusterSums(const float* x, size_t n, size_t d, const idx_t* before, const idx_t* after, ClusterSums& cs) {
  size_t moved = 0;
  for (size_t i = 0; i < n; ++i) {
    if (before[i] == after[i]) continue;
    const float* row = x + i * d;
    double* from = &cs.sums[static_cast<size_t>(before[i]) * d];
    double* to = &cs.sums[static_cast<size_t>(after[i]) * d];
    for (size_t j = 0; j < d; ++j) {
      from[j] -= static_cast<double>(row[j]);
      to[j] += static_cast<double>(row[j]);
    }
    if (--cs.counts[static_cast<size_t>(before[i])] == 0) std::fill(from, from + d, 0.0);  // no rounding residue
    ++cs.counts[static_cast<size_t>(after[i])];
    ++moved;
  }
  return moved;
}

size_t CentroidsFromSums(const ClusterSums& cs, size_t n, size_t d, size_t k, const idx_t* assign,
                         const float* dist2, float* centroids) {
  std::vector<size_t> counts = cs.counts;  // the split below shares them out
  for (size_t c = 0; c < k; ++c) {
    if (counts[c] == 0) continue;
    const double inv = 1.0 / static_cast<double>(counts[c]);
    const double* sum = &cs.sums[c * d];
    float* out = centroids + c * d;
    for (size_t j = 0; j < d; ++j) out[j] = static_cast<float>(sum[j] * inv);
  }

  // Empty clusters: split the cluster with the largest squared error.
  size_t splits = 0;
  bool any_empty = false;
  for (size_t c = 0; c < k && !any_empty; ++c) any_empty = counts[c] == 0;
  if (!any_empty) return 0;
  std::vector<double> error(k, 0.0);
  for (size_t i = 0; i < n; ++i) error[static_cast<size_t>(assign[i])] += dist2[i];
  constexpr float kEps = 1.0f / 1024;
  for (size_t ci = 0; ci < k; ++ci) {
    if (counts[ci] != 0) continue;
    size_t cj = static_cast<size_t>(std::max_element(error.begin(), error.end()) - error.begin());
    if (error[cj] <= 0 || counts[cj] < 2) break;  // only identical points left: nothing to split
    float* a = centroids + ci * d;
    float* b = centroids + cj * d;
    std::memcpy(a, b, d * sizeof(float));
    for (size_t j = 0; j < d; ++j) {
      if (j % 2 == 0) {
        a[j] *= 1 + kEps;
        b[j] *= 1 - kEps;
      } else {
        a[j] *= 1 - kEps;
        b[j] *= 1 + kEps;
      }
    }
    counts[ci] = counts[cj] / 2;
    counts[cj] -= counts[ci];
    error[cj] /= 2;
    error[ci] = error[cj];
    ++splits;
  }
  return splits;
}

}  // namespace kiln::cluster::internal
