#include <algorithm>
#include <cmath>
#include <numeric>

#include "kiln/cluster/hierarchical_kmeans.h"
#include "kiln/linalg/knn.h"
#include "kiln/linalg/norms.h"

namespace kiln::cluster {

StatusOr<size_t> BalanceKMeans(const float* x, size_t n, size_t d, std::vector<float>& centroids, size_t k,
                               const BalanceParams& params, const ExecContext& ctx) {
  if (params.max_list_factor <= 1.0)
    return InvalidArgumentError("balanced k-means: max list factor must be > 1, found {}", params.max_list_factor);
  if (k == 0 || n < k || centroids.size() != k * d)
    return InvalidArgumentError("balanced k-means: need 1 <= k <= n and k×d centroids, found k={} n={} size={}", k, n,
                                centroids.size());
  const size_t cap = static_cast<size_t>(std::ceil(params.max_list_factor * static_cast<double>(n) / static_cast<double>(k)));
  const size_t m = std::min(params.candidates, k);
  std::vector<float> dist(n * m);
  std::vector<idx_t> cand(n * m);
  std::vector<uint32_t> assign(n);
  std::vector<size_t> order(n), sizes(k);
  size_t largest = 0;
  for (int round = 0; round < params.rounds; ++round) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("balanced k-means"));
    KILN_RETURN_IF_ERROR(linalg::ExactKnn(x, n, centroids.data(), k, d, Metric::kL2, m, nullptr, dist.data(),
                                          cand.data(), ExecContext{ctx.pool, ctx.cancel, nullptr}));
    // Points that lose most by not getting their first choice go first.
    std::iota(order.begin(), order.end(), size_t{0});
    auto regret = [&](size_t i) { return m > 1 ? dist[i * m + 1] - dist[i * m] : 0.0f; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return regret(a) > regret(b); });
    std::fill(sizes.begin(), sizes.end(), 0);
    for (size_t i : order) {
      size_t chosen = static_cast<size_t>(cand[i * m]);
      for (size_t j = 0; j < m; ++j) {
        const size_t c = static_cast<size_t>(cand[i * m + j]);
        if (sizes[c] < cap) {
          chosen = c;
          break;
        }
      }
      assign[i] = static_cast<uint32_t>(chosen);
      ++sizes[chosen];
    }
    largest = *std::max_element(sizes.begin(), sizes.end());
    // Mean update; empty lists keep their centroid.
    std::vector<double> sums(k * d, 0.0);
    for (size_t i = 0; i < n; ++i) {
      double* s = sums.data() + static_cast<size_t>(assign[i]) * d;
      const float* xi = x + i * d;
      for (size_t j = 0; j < d; ++j) s[j] += xi[j];
    }
    for (size_t c = 0; c < k; ++c) {
      if (sizes[c] == 0) continue;
      for (size_t j = 0; j < d; ++j)
        centroids[c * d + j] = static_cast<float>(sums[c * d + j] / static_cast<double>(sizes[c]));
    }
    if (params.spherical) linalg::NormalizeRows(centroids.data(), k, d, *ctx.pool);
    ctx.Report("balanced k-means", static_cast<uint64_t>(round + 1), static_cast<uint64_t>(params.rounds));
  }
  return largest;
}

}  // namespace kiln::cluster
