#include "kiln/linalg/knn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/linalg/norms.h"
#include "kiln/linalg/topk.h"

namespace kiln::linalg {
namespace {

std::vector<float> Random(size_t n, size_t d, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(n * d);
  for (auto& v : x) v = normal(rng);
  return x;
}

// Brute force in double precision: best-first (distance, id) for one query.
std::vector<std::pair<double, idx_t>> Brute(const float* q, const std::vector<float>& base, size_t d,
                                            Metric metric) {
  size_t nb = base.size() / d;
  std::vector<std::pair<double, idx_t>> all(nb);
  for (size_t j = 0; j < nb; ++j) {
    double s = 0;
    for (size_t t = 0; t < d; ++t) {
      double a = q[t], b = base[j * d + t];
      s += metric == Metric::kL2 ? (a - b) * (a - b) : a * b;
    }
    all[j] = {metric == Metric::kL2 ? s : -s, static_cast<idx_t>(j)};
  }
  std::sort(all.begin(), all.end());
  return all;
}

struct Case {
  size_t nq, nb, d, k;
  Metric metric;
};

class ExactKnnTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExactKnnTest, MatchesBruteForceBestFirst) {
  const Case c = GetParam();
  std::vector<float> base = Random(c.nb, c.d, 1), queries = Random(c.nq, c.d, 2);
  ThreadPool pool(2);
  ExecContext ctx;
  ctx.pool = &pool;
  std::vector<float> dist(c.nq * c.k);
  std::vector<idx_t> labels(c.nq * c.k);
  ASSERT_TRUE(ExactKnn(queries.data(), c.nq, base.data(), c.nb, c.d, c.metric, c.k, nullptr, dist.data(),
                       labels.data(), ctx)
                  .ok());
  for (size_t q = 0; q < c.nq; ++q) {
    auto truth = Brute(&queries[q * c.d], base, c.d, c.metric);
    for (size_t j = 0; j < c.k; ++j) {
      const float got = dist[q * c.k + j];
      if (j >= c.nb) {
        EXPECT_EQ(labels[q * c.k + j], -1);
        EXPECT_TRUE(std::isinf(got));
        continue;
      }
      double want = c.metric == Metric::kL2 ? truth[j].first : -truth[j].first;
      EXPECT_NEAR(got, want, 1e-3 * (1 + std::abs(want))) << "q=" << q << " j=" << j;
      // Same id unless the reference has a near tie at this rank.
      if (labels[q * c.k + j] != truth[j].second) {
        double other = std::abs(truth[j].first - truth[j + (j + 1 < c.nb ? 1 : 0)].first);
        EXPECT_LT(other, 1e-3 * (1 + std::abs(want)));
      }
      if (j > 0) {
        float prev = dist[q * c.k + j - 1];
        if (c.metric == Metric::kL2) EXPECT_LE(prev, got);
        else EXPECT_GE(prev, got);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ExactKnnTest,
                         ::testing::Values(Case{1, 1, 1, 1, Metric::kL2}, Case{7, 100, 3, 5, Metric::kL2},
                                           Case{65, 2050, 17, 10, Metric::kL2},
                                           Case{33, 1500, 31, 10, Metric::kInnerProduct},
                                           Case{5, 8, 16, 12, Metric::kL2},  // k > nb
                                           Case{5, 8, 16, 12, Metric::kInnerProduct}));

TEST(ExactKnnTest, CosineOnNormalisedVectorsRanksByAngle) {
  const size_t d = 8, nb = 50;
  std::vector<float> base = Random(nb, d, 3), q = Random(1, d, 4);
  ThreadPool pool(1);
  ExecContext ctx;
  ctx.pool = &pool;
  NormalizeRows(base.data(), nb, d, pool);
  NormalizeRows(q.data(), 1, d, pool);
  std::vector<float> dist(3);
  std::vector<idx_t> labels(3);
  ASSERT_TRUE(ExactKnn(q.data(), 1, base.data(), nb, d, Metric::kCosine, 3, nullptr, dist.data(), labels.data(), ctx).ok());
  EXPECT_LE(dist[0], 1.0f + 1e-5f);
  EXPECT_GE(dist[0], dist[1]);
  EXPECT_EQ(labels[0], Brute(q.data(), base, d, Metric::kInnerProduct)[0].second);
}

TEST(ExactKnnTest, CancelledBeforeStartReturnsCancelled) {
  std::vector<float> base = Random(100, 4, 5);
  ThreadPool pool(2);
  CancelToken cancel;
  cancel.Cancel();
  ExecContext ctx{&pool, &cancel, nullptr};
  std::vector<float> dist(10);
  std::vector<idx_t> labels(10);
  Status s = ExactKnn(base.data(), 1, base.data(), 100, 4, Metric::kL2, 10, nullptr, dist.data(), labels.data(), ctx);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

TEST(TopKMinTest, KeepsSmallestBestFirstAndPads) {
  TopKMin heap(3);
  for (float v : {5.f, 1.f, 4.f, 2.f, 3.f}) heap.Push(v, static_cast<idx_t>(v * 10));
  float d[3];
  idx_t l[3];
  heap.Extract(d, l);
  EXPECT_EQ(std::vector<float>(d, d + 3), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(std::vector<idx_t>(l, l + 3), (std::vector<idx_t>{10, 20, 30}));
  TopKMin few(4);
  few.Push(1, 7);
  float d4[4];
  idx_t l4[4];
  few.Extract(d4, l4);
  EXPECT_EQ(l4[0], 7);
  EXPECT_EQ(l4[1], -1);
  EXPECT_TRUE(std::isinf(d4[3]));
}

}  // namespace
}  // namespace kiln::linalg
