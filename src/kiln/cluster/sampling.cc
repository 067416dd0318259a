#include "kiln/cluster/sampling.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <random>
#include <unordered_map>

#include "kiln/base/check.h"

namespace kiln::cluster {

std::vector<size_t> SampleIndices(size_t n, size_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> out;
  out.reserve(m);
  if (m * 4 >= n) {
    std::vector<size_t> perm(n);
    for (size_t i = 0; i < n; ++i) perm[i] = i;
    for (size_t i = 0; i < m; ++i) {
      size_t j = i + rng() % (n - i);
      std::swap(perm[i], perm[j]);
    }
    out.assign(perm.begin(), perm.begin() + m);
  } else {
    // Sparse Fisher–Yates: only the touched slots are stored.
    std::unordered_map<size_t, size_t> moved;
    auto at = [&](size_t i) {
      auto it = moved.find(i);
      return it == moved.end() ? i : it->second;
    };
    for (size_t i = 0; i < m; ++i) {
      size_t j = i + rng() % (n - i);
      size_t vi = at(i), vj = at(j);
      moved[j] = vi;
      out.push_back(vj);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> StratifiedIndices(size_t n, size_t m, uint64_t seed) {
  KILN_CHECK(m > 0 && m <= n && n <= UINT32_MAX);
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> out(m);
  for (size_t j = 0; j < m; ++j) {
    const size_t lo = j * n / m;
    const size_t hi = (j + 1) * n / m;  // > lo since m <= n
    out[j] = static_cast<uint32_t>(lo + rng() % (hi - lo));
  }
  return out;
}

size_t TrainingSampleSize(size_t n, size_t k, double sample_rate, size_t max_points_per_centroid) {
  if (sample_rate > 0 && sample_rate <= 1) {
    size_t m = static_cast<size_t>(std::llround(static_cast<double>(n) * sample_rate));
    return std::clamp(m, std::min(k, n), n);
  }
  if (max_points_per_centroid > 0 && n > k * max_points_per_centroid) return k * max_points_per_centroid;
  return n;
}

const float* GatherTrainingRows(const float* x, size_t n, size_t d, size_t m, uint64_t seed,
                                AlignedBuffer<float>& buffer, ThreadPool& pool) {
  if (m >= n) return x;
  const std::vector<size_t> rows = SampleIndices(n, m, seed);
  buffer.Resize(m * d);
  pool.ParallelFor(m, 1024, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) std::memcpy(buffer.data() + i * d, x + rows[i] * d, d * sizeof(float));
  });
  return buffer.data();
}

}  // namespace kiln::cluster
