#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

#include "kiln/cluster/kmeans_internal.h"
#include "kiln/cluster/sampling.h"
#include "kiln/simd/distances.h"

namespace kiln::cluster::internal {
namespace {

void InitRandom(const float* x, size_t n, size_t d, size_t k, uint64_t seed, float* centroids) {
  std::vector<size_t> chosen = SampleIndices(n, k, seed);
  // Shuffle so centroid order does not follow point order.
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  for (size_t i = chosen.size(); i > 1; --i) std::swap(chosen[i - 1], chosen[rng() % i]);
  for (size_t c = 0; c < k; ++c) std::memcpy(centroids + c * d, x + chosen[c] * d, d * sizeof(float));
}

// k-means++: each next centroid is drawn with probability proportional to
// the squared distance to the nearest centroid chosen so far.
void InitPlusPlus(const float* x, size_t n, size_t d, size_t k, uint64_t seed, float* centroids,
                  ThreadPool& pool) {
  std::mt19937_64 rng(seed);
  std::vector<float> min_dist(n, std::numeric_limits<float>::infinity());
  std::vector<double> partial(pool.num_threads());
  size_t first = rng() % n;
  std::memcpy(centroids, x + first * d, d * sizeof(float));
  const auto& kernels = simd::ActiveKernels();
  for (size_t c = 1; c <= k; ++c) {
    const float* last = centroids + (c - 1) * d;
    std::fill(partial.begin(), partial.end(), 0.0);
    pool.ParallelForStatic(n, [&](size_t b, size_t e, int w) {
      double s = 0;
      for (size_t i = b; i < e; ++i) {
        float v = kernels.l2sqr(x + i * d, last, d);
        if (v < min_dist[i]) min_dist[i] = v;
        s += min_dist[i];
      }
      partial[w] = s;
    });
    if (c == k) break;
    double total = 0;
    for (double s : partial) total += s;
    size_t pick = rng() % n;
    if (total > 0) {
      double r = std::uniform_real_distribution<double>(0, total)(rng);
      double acc = 0;
      for (size_t i = 0; i < n; ++i) {
        acc += min_dist[i];
        if (acc >= r) {
          pick = i;
          break;
        }
      }
    }
    std::memcpy(centroids + c * d, x + pick * d, d * sizeof(float));
  }
}

}  // namespace

void InitCentroids(const float* x, size_t n, size_t d, size_t k, KMeansInit init, uint64_t seed,
                   float* centroids, ThreadPool& pool) {
  if (init == KMeansInit::kKMeansPlusPlus) {
    InitPlusPlus(x, n, d, k, seed, centroids, pool);
  } else {
    InitRandom(x, n, d, k, seed, centroids);
  }
}

}  // namespace kiln::cluster::internal
