#include "kiln/index/flat_index.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kiln/index/index_test_support.h"

namespace kiln::index {
namespace {

using testing::BruteForceKnn;
using testing::RandomVectors;
using testing::SameResults;
using testing::TestEnv;

class FlatIndexMetricTest : public ::testing::TestWithParam<Metric> {};

TEST_P(FlatIndexMetricTest, SearchEqualsBruteForceBestFirst) {
  const Metric metric = GetParam();
  const size_t n = 1500, d = 24, nq = 40, k = 10;
  std::vector<float> x = RandomVectors(n, d, 1);
  std::vector<float> q = RandomVectors(nq, d, 2);
  TestEnv env;
  FlatIndex index(d, metric);
  ASSERT_TRUE(index.Add(x.data(), 1000, env.ctx).ok());  // two batches
  ASSERT_TRUE(index.Add(x.data() + 1000 * d, n - 1000, env.ctx).ok());
  EXPECT_EQ(index.ntotal(), n);

  std::vector<float> dist(nq * k), ref_dist(nq * k);
  std::vector<idx_t> lab(nq * k), ref_lab(nq * k);
  ASSERT_TRUE(index.Search(q.data(), nq, k, {}, dist.data(), lab.data(), env.ctx).ok());
  BruteForceKnn(q.data(), nq, x.data(), n, d, metric, k, ref_dist.data(), ref_lab.data());
  EXPECT_TRUE(SameResults(ref_dist.data(), ref_lab.data(), dist.data(), lab.data(), nq, k, 1e-4f));
  for (size_t i = 0; i < nq; ++i) {
    for (size_t j = 1; j < k; ++j) {
      if (IsSimilarity(metric)) {
        EXPECT_GE(dist[i * k + j - 1], dist[i * k + j]);
      } else {
        EXPECT_LE(dist[i * k + j - 1], dist[i * k + j]);
      }
    }
  }
}

TEST_P(FlatIndexMetricTest, KLargerThanNtotalPadsWithMinusOne) {
  const Metric metric = GetParam();
  const size_t d = 8, n = 5, k = 8;
  std::vector<float> x = RandomVectors(n, d, 3);
  TestEnv env;
  FlatIndex index(d, metric);
  ASSERT_TRUE(index.Add(x.data(), n, env.ctx).ok());
  std::vector<float> dist(k);
  std::vector<idx_t> lab(k);
  ASSERT_TRUE(index.Search(x.data(), 1, k, {}, dist.data(), lab.data(), env.ctx).ok());
  for (size_t j = 0; j < n; ++j) EXPECT_GE(lab[j], 0);
  for (size_t j = n; j < k; ++j) {
    EXPECT_EQ(lab[j], -1);
    EXPECT_EQ(dist[j], IsSimilarity(metric) ? -INFINITY : INFINITY);
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, FlatIndexMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(FlatIndexTest, CosineStoresUnitVectors) {
  const size_t n = 20, d = 5;
  std::vector<float> x = RandomVectors(n, d, 4);
  TestEnv env;
  FlatIndex index(d, Metric::kCosine);
  ASSERT_TRUE(index.Add(x.data(), n, env.ctx).ok());
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j)
      s += double(index.vectors()[i * d + j]) * index.vectors()[i * d + j];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

TEST(FlatIndexTest, ArgumentErrors) {
  TestEnv env;
  FlatIndex index(4, Metric::kL2);
  float q[4] = {0, 0, 0, 0}, dist[1];
  idx_t lab[1];
  Status s = index.Search(q, 1, 0, {}, dist, lab, env.ctx);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Flat: search: k must be at least 1, found 0");
  EXPECT_TRUE(index.Search(nullptr, 0, 5, {}, nullptr, nullptr, env.ctx).ok());  // nq == 0
  EXPECT_EQ(index.Add(nullptr, 3, env.ctx).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(index.Train(q, 1, env.ctx).ok());
  // An empty index returns only missing results.
  ASSERT_TRUE(index.Search(q, 1, 1, {}, dist, lab, env.ctx).ok());
  EXPECT_EQ(lab[0], -1);
}

TEST(FlatIndexTest, FromVectorsChecksShape) {
  EXPECT_EQ(FlatIndex::FromVectors(3, Metric::kL2, std::vector<float>(7)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FlatIndex::FromVectors(0, Metric::kL2, {}).status().code(),
            StatusCode::kInvalidArgument);
  auto index = FlatIndex::FromVectors(3, Metric::kInnerProduct, std::vector<float>(9, 1.0f));
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->ntotal(), 3u);
}

TEST(FlatIndexTest, CancelledSearch) {
  TestEnv env;
  FlatIndex index(4, Metric::kL2);
  std::vector<float> x = RandomVectors(10, 4, 5);
  ASSERT_TRUE(index.Add(x.data(), 10, env.ctx).ok());
  env.cancel.Cancel();
  std::vector<float> dist(10);
  std::vector<idx_t> lab(10);
  EXPECT_EQ(index.Search(x.data(), 10, 1, {}, dist.data(), lab.data(), env.ctx).code(),
            StatusCode::kCancelled);
  EXPECT_EQ(index.Add(x.data(), 10, env.ctx).code(), StatusCode::kCancelled);
  EXPECT_EQ(index.ntotal(), 10u);
}

}  // namespace
}  // namespace kiln::index
