#include "kiln/cluster/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kiln/base/aligned_buffer.h"
#include "kiln/cluster/kmeans_internal.h"
#include "kiln/cluster/sampling.h"
#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"
#include "kiln/simd/distances.h"

namespace kiln::cluster {
namespace {

// Per-point state for Hamerly's bounds (Euclidean, not squared):
// upper[i] >= d(x_i, c_assign[i]) and lower[i] <= min over c != assign[i].
// A point whose upper bound does not exceed its lower bound keeps its
// centroid without any distance being computed.
struct Bounds {
  std::vector<idx_t> assign;
  std::vector<float> upper;
  std::vector<float> lower;
};

// Full assignment of the points listed in `rows` (all points when empty),
// read in place.
void AssignRows(const float* x, size_t d, const std::vector<uint32_t>& rows, size_t n, const float* centroids,
                const float* norms, size_t k, Bounds& b, ThreadPool& pool) {
  const bool all = rows.empty();
  const size_t total = all ? n : rows.size();
  std::vector<idx_t> nearest(total);
  std::vector<float> d1(total), d2(total);
  const linalg::AssignCentroids packed(centroids, norms, k, d, pool);
  linalg::AssignNearestRows(x, all ? nullptr : rows.data(), total, packed, {nearest.data(), d1.data(), d2.data()},
                            pool);
  for (size_t i = 0; i < total; ++i) {
    const size_t p = all ? i : rows[i];
    b.assign[p] = nearest[i];
    b.upper[p] = std::sqrt(d1[i]);
    b.lower[p] = std::sqrt(d2[i]);
  }
}

// Hamerly's second test: half_gap[c] = ½ · distance from centroid c to its
// nearest other centroid (Euclidean). A point no farther than that from its
// centroid c cannot be closer to another one. Shrunk by 0.2% so that a
// runner-up missed by the AMX path's BF16 candidates (near ties of about 1e-3
// relative) never makes the bound too large.
void HalfGapToNearestCentroid(const float* centroids, const float* norms, size_t k, size_t d,
                              std::vector<float>& half_gap, ThreadPool& pool) {
  if (k < 2) {
    std::fill(half_gap.begin(), half_gap.end(), std::numeric_limits<float>::infinity());
    return;
  }
  std::vector<idx_t> nearest(k);
  std::vector<float> d1(k), d2(k);
  linalg::AssignNearest(centroids, k, centroids, norms, k, d, {nearest.data(), d1.data(), d2.data()}, pool);
  for (size_t c = 0; c < k; ++c) {
    // A centroid is its own nearest (distance 0) unless another one ties it.
    const float other = static_cast<size_t>(nearest[c]) == c ? d2[c] : d1[c];
    half_gap[c] = 0.499f * std::sqrt(std::max(other, 0.0f));
  }
}

}  // namespace

StatusOr<KMeansResult> TrainKMeans(const float* x, size_t n, size_t d, size_t k,
                                   const KMeansParams& params, const ExecContext& ctx) {
  if (k == 0) return InvalidArgumentError("k-means: k must be at least 1, found 0");
  if (d == 0) return InvalidArgumentError("k-means: dimension d must be at least 1, found 0");
  if (n < k)
    return InvalidArgumentError(
        "k-means: {} training points is fewer than the {} clusters asked for (need n >= k)", n, k);
  if (params.niter < 1) return InvalidArgumentError("k-means: niter must be >= 1, found {}", params.niter);
  ThreadPool& pool = *ctx.pool;
  KMeansResult result;
  result.k = k;
  result.d = d;

  // Training sample.
  size_t m = TrainingSampleSize(n, k, params.sample_rate, params.max_points_per_centroid);
  AlignedBuffer<float> sample;
  const float* xs = GatherTrainingRows(x, n, d, m, params.seed, sample, pool);
  result.n_train = m;
  if (params.min_points_per_centroid > 0 && m < k * params.min_points_per_centroid)
    result.warnings.push_back(fmt::format(
        "clustering {} points to {} centroids: please provide at least {} training points", m, k,
        k * params.min_points_per_centroid));

  result.centroids.resize(k * d);
  float* centroids = result.centroids.data();
  internal::InitCentroids(xs, m, d, k, params.init, params.seed + 1, centroids, pool);
  if (params.spherical) linalg::NormalizeRows(centroids, k, d, pool);

  const auto& kernels = simd::ActiveKernels();
  Bounds b{std::vector<idx_t>(m), std::vector<float>(m), std::vector<float>(m)};
  std::vector<float> dist2(m);  // exact squared distance to the assigned centroid
  std::vector<float> norms(k), drift(k), previous(k * d), half_gap(k);
  internal::ClusterSums sums;
  std::vector<idx_t> previous_assign;  // the last update's assignment, which `sums` describes
  bool split_last = false;             // that update split an empty cluster
  std::vector<uint32_t> rows;

  for (int iter = 0; iter < params.niter; ++iter) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("k-means"));
    linalg::RowNormsSqr(centroids, k, d, norms.data(), pool);

    // Assignment step.
    if (iter == 0 || !params.use_bounds) {
      rows.clear();
      AssignRows(xs, d, rows, m, centroids, norms.data(), k, b, pool);
      result.distance_evaluations += static_cast<uint64_t>(m) * k;
    } else {
      // Tighten the upper bound with the exact distance to the current
      // centroid; points whose bounds still cross get a full assignment.
      HalfGapToNearestCentroid(centroids, norms.data(), k, d, half_gap, pool);
      std::vector<uint32_t> flagged(m, 0);
      pool.ParallelFor(m, 4096, [&](size_t s, size_t e, int) {
        for (size_t i = s; i < e; ++i) {
          const float keep = std::max(b.lower[i], half_gap[static_cast<size_t>(b.assign[i])]);
          if (b.upper[i] <= keep) continue;
          b.upper[i] = std::sqrt(kernels.l2sqr(xs + i * d, centroids + b.assign[i] * d, d));
          if (b.upper[i] > keep) flagged[i] = 1;
        }
      });
      rows.clear();
      for (size_t i = 0; i < m; ++i)
        if (flagged[i]) rows.push_back(static_cast<uint32_t>(i));
      result.distance_evaluations += m + k * k + static_cast<uint64_t>(rows.size()) * k;
      if (!rows.empty()) AssignRows(xs, d, rows, m, centroids, norms.data(), k, b, pool);
    }
    result.iterations = iter + 1;

    // Stable assignment (and no split last time): centroids cannot move, so
    // the remaining iterations would reproduce this exact state. With
    // stop_moved_fraction, "few moved" ends the run the same way.
    size_t moved = m;
    if (iter > 0) {
      moved = 0;
      for (size_t i = 0; i < m; ++i) moved += previous_assign[i] != b.assign[i];
    }
    const bool stable =
        iter > 0 && !split_last &&
        (moved == 0 || static_cast<double>(moved) <= params.stop_moved_fraction * static_cast<double>(m));
    const bool last = stable || iter + 1 == params.niter;
    bool any_empty = false;
    if (!last) {
      std::vector<uint8_t> used(k, 0);
      for (idx_t a : b.assign) used[static_cast<size_t>(a)] = 1;
      any_empty = std::find(used.begin(), used.end(), 0) != used.end();
    }
    // Exact squared distances to the assigned centroids: the objective, and
    // the cluster errors an empty-cluster split needs. A memory-bound pass
    // over the data, so only when one of those is needed.
    if (last || any_empty) {
      std::vector<double> partial(pool.num_threads(), 0.0);
      pool.ParallelForStatic(m, [&](size_t s, size_t e, int w) {
        double sum = 0;
        for (size_t i = s; i < e; ++i) {
          float dist = kernels.l2sqr(xs + i * d, centroids + b.assign[i] * d, d);
          dist2[i] = dist;
          b.upper[i] = std::sqrt(dist);
          sum += dist;
        }
        partial[w] = sum;
      });
      result.objective = 0;
      for (double v : partial) result.objective += v;
    }
    ctx.Report("k-means", static_cast<uint64_t>(iter + 1), static_cast<uint64_t>(params.niter));
    if (stable) break;

    // Update step.
    std::memcpy(previous.data(), centroids, k * d * sizeof(float));
    // Incremental when few points moved (the usual case after the first
    // iterations); from scratch otherwise.
    const bool incremental = iter > 0 && 4 * moved <= m;
    if (incremental)
      internal::MoveClusterSums(xs, m, d, previous_assign.data(), b.assign.data(), sums);
    else
      internal::ComputeClusterSums(xs, m, d, k, b.assign.data(), sums, pool);
    previous_assign = b.assign;
    const size_t splits = internal::CentroidsFromSums(sums, m, d, k, b.assign.data(), dist2.data(), centroids);
    result.empty_cluster_splits += splits;
    if (params.spherical) linalg::NormalizeRows(centroids, k, d, pool);
    split_last = splits > 0;

    // Move the bounds by how far each centroid travelled.
    float max1 = 0, max2 = 0;
    size_t argmax1 = 0;
    for (size_t c = 0; c < k; ++c) {
      drift[c] = std::sqrt(kernels.l2sqr(previous.data() + c * d, centroids + c * d, d));
      if (drift[c] > max1) {
        max2 = max1;
        max1 = drift[c];
        argmax1 = c;
      } else if (drift[c] > max2) {
        max2 = drift[c];
      }
    }
    pool.ParallelFor(m, 8192, [&](size_t s, size_t e, int) {
      for (size_t i = s; i < e; ++i) {
        size_t a = static_cast<size_t>(b.assign[i]);
        b.upper[i] += drift[a];
        b.lower[i] -= (a == argmax1 ? max2 : max1);
      }
    });
  }
  return result;
}

}  // namespace kiln::cluster
