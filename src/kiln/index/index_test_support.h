// Test-only helpers shared by the index, format and compat tests: synthetic
// data, a double-precision brute-force reference and a tie-tolerant
// comparison of search results. Header-only; include from *_test.cc only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/types.h"

namespace kiln::index::testing {

struct TestEnv {
  explicit TestEnv(int threads = 2) : pool(threads) {
    ctx.pool = &pool;
    ctx.cancel = &cancel;
  }
  ThreadPool pool;
  CancelToken cancel;
  ExecContext ctx;
};

// n×d standard normal values.
inline std::vector<float> RandomVectors(size_t n, size_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(n * d);
  for (float& v : x) v = normal(rng);
  return x;
}

// n×d points around `clusters` random centres (scale 4) with the given spread.
inline std::vector<float> ClusteredVectors(size_t n, size_t d, size_t clusters, float spread,
                                           uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> centres(clusters * d);
  for (float& v : centres) v = 4 * normal(rng);
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = pick(rng);
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[c * d + j] + spread * normal(rng);
  }
  return x;
}

inline std::vector<float> Normalized(const float* x, size_t n, size_t d) {
  std::vector<float> out(x, x + n * d);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += double(out[i * d + j]) * out[i * d + j];
    if (s == 0) continue;
    const float inv = static_cast<float>(1 / std::sqrt(s));
    for (size_t j = 0; j < d; ++j) out[i * d + j] *= inv;
  }
  return out;
}

// Best-first k-NN in double precision (ties to the lower id); cosine
// normalises both sides. Missing slots: -1 with ±inf.
inline void BruteForceKnn(const float* queries, size_t nq, const float* base, size_t nb, size_t d,
                          Metric metric, size_t k, float* distances, idx_t* labels) {
  std::vector<float> qn, bn;
  if (metric == Metric::kCosine) {
    qn = Normalized(queries, nq, d);
    bn = Normalized(base, nb, d);
    queries = qn.data();
    base = bn.data();
  }
  const bool sim = IsSimilarity(metric);
  std::vector<double> score(nb);
  std::vector<size_t> order(nb);
  for (size_t q = 0; q < nq; ++q) {
    for (size_t i = 0; i < nb; ++i) {
      double s = 0;
      for (size_t j = 0; j < d; ++j) {
        const double a = queries[q * d + j], b = base[i * d + j];
        s += sim ? a * b : (a - b) * (a - b);
      }
      score[i] = sim ? -s : s;
    }
    std::iota(order.begin(), order.end(), size_t{0});
    const size_t m = std::min(k, nb);
    std::partial_sort(order.begin(), order.begin() + m, order.end(), [&](size_t a, size_t b) {
      return score[a] != score[b] ? score[a] < score[b] : a < b;
    });
    for (size_t j = 0; j < k; ++j) {
      if (j < m) {
        labels[q * k + j] = static_cast<idx_t>(order[j]);
        distances[q * k + j] = static_cast<float>(sim ? -score[order[j]] : score[order[j]]);
      } else {
        labels[q * k + j] = -1;
        distances[q * k + j] = sim ? -INFINITY : INFINITY;
      }
    }
  }
}

inline bool CloseRel(float a, float b, float rel) {
  if (a == b) return true;  // also equal infinities
  return std::fabs(a - b) <= rel * std::max({1.0f, std::fabs(a), std::fabs(b)});
}

// Expected and actual results agree: distances within `rel` everywhere, and
// labels equal except at distance ties (the two distances at a position where
// the labels differ agree within `tie`, relative).
inline ::testing::AssertionResult SameResults(const float* expected_d, const idx_t* expected_l,
                                              const float* actual_d, const idx_t* actual_l,
                                              size_t nq, size_t k, float rel = 1e-3f,
                                              float tie = 1e-4f) {
  for (size_t q = 0; q < nq; ++q) {
    for (size_t j = 0; j < k; ++j) {
      const size_t p = q * k + j;
      if (!CloseRel(expected_d[p], actual_d[p], rel))
        return ::testing::AssertionFailure()
               << "query " << q << " rank " << j << ": distance " << actual_d[p] << ", expected "
               << expected_d[p] << " (labels " << actual_l[p] << " / " << expected_l[p] << ")";
      if (expected_l[p] == actual_l[p]) continue;
      if (!CloseRel(expected_d[p], actual_d[p], tie) || expected_l[p] < 0 || actual_l[p] < 0)
        return ::testing::AssertionFailure()
               << "query " << q << " rank " << j << ": label " << actual_l[p] << ", expected "
               << expected_l[p] << " (distances " << actual_d[p] << " / " << expected_d[p] << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kiln::index::testing
