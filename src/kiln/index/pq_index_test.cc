#include "kiln/index/pq_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "kiln/index/index_test_support.h"

namespace kiln::index {
namespace {

using testing::BruteForceKnn;
using testing::ClusteredVectors;
using testing::RandomVectors;
using testing::SameResults;
using testing::TestEnv;

TEST(PqIndex, CreateChecksShapeAndDescribes) {
  auto bad = PqIndex::Create(30, Metric::kL2, 16);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "The dimension of the vector (d = 30) should be a multiple of the number of "
            "subquantizers (M = 16)");
  EXPECT_FALSE(PqIndex::Create(32, Metric::kL2, 4, 13).ok());
  EXPECT_EQ(PqIndex::Create(32, Metric::kL2, 16).value()->Describe(), "PQ16");
  EXPECT_EQ(PqIndex(32, Metric::kL2, 8, 4).Describe(), "PQ8x4");
}

TEST(PqIndex, StateErrors) {
  TestEnv env;
  PqIndex idx(8, Metric::kL2, 2, 4);
  auto x = RandomVectors(100, 8, 1);
  float dist;
  idx_t label;
  EXPECT_EQ(idx.Add(x.data(), 100, env.ctx).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(idx.Search(x.data(), 1, 1, {}, &dist, &label, env.ctx).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(idx.Train(x.data(), 10, env.ctx).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(idx.Train(x.data(), 100, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), 100, env.ctx).ok());
  EXPECT_EQ(idx.ntotal(), 100u);
  EXPECT_EQ(idx.codes().size(), 100u);
  EXPECT_EQ(idx.Train(x.data(), 100, env.ctx).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(idx.Search(x.data(), 1, 0, {}, &dist, &label, env.ctx).code(),
            StatusCode::kInvalidArgument);
}

// Search ranks exactly as brute force over the decoded vectors.
class PqIndexSearch : public ::testing::TestWithParam<std::tuple<Metric, size_t>> {};

TEST_P(PqIndexSearch, EqualsBruteForceOverDecodedVectors) {
  const auto [metric, nbits] = GetParam();
  const size_t d = 24, M = 6, n = 3000, nq = 40, k = 10;
  TestEnv env;
  auto x = ClusteredVectors(n, d, 20, 1.0f, 11);
  auto q = ClusteredVectors(nq, d, 20, 1.0f, 12);
  PqIndex idx(d, metric, M, nbits);
  ASSERT_TRUE(idx.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), n / 2, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data() + n / 2 * d, n - n / 2, env.ctx).ok());
  ASSERT_EQ(idx.ntotal(), n);
  std::vector<float> decoded(n * d), dist(nq * k), ref_d(nq * k);
  std::vector<idx_t> labels(nq * k), ref_l(nq * k);
  idx.pq().Decode(idx.codes().data(), n, decoded.data());
  ASSERT_TRUE(idx.Search(q.data(), nq, k, {}, dist.data(), labels.data(), env.ctx).ok());
  // Cosine: the codes are of unit vectors; compare as inner product with unit queries.
  std::vector<float> qp = metric == Metric::kCosine ? testing::Normalized(q.data(), nq, d) : q;
  const Metric ref_metric = metric == Metric::kCosine ? Metric::kInnerProduct : metric;
  BruteForceKnn(qp.data(), nq, decoded.data(), n, d, ref_metric, k, ref_d.data(), ref_l.data());
  EXPECT_TRUE(SameResults(ref_d.data(), ref_l.data(), dist.data(), labels.data(), nq, k, 1e-4f,
                          1e-5f));
}

INSTANTIATE_TEST_SUITE_P(
    MetricsAndBits, PqIndexSearch,
    ::testing::Combine(::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                       ::testing::Values(size_t{4}, size_t{8})));

TEST(PqIndex, RecallAgainstExactSearchIsReasonable) {
  const size_t d = 32, n = 5000, nq = 50, k = 10;
  TestEnv env;
  auto x = ClusteredVectors(n, d, 50, 0.5f, 21);
  auto q = ClusteredVectors(nq, d, 50, 0.5f, 22);
  PqIndex idx(d, Metric::kL2, 16);
  ASSERT_TRUE(idx.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), n, env.ctx).ok());
  std::vector<float> dist(nq * k), ref_d(nq * k);
  std::vector<idx_t> labels(nq * k), ref_l(nq * k);
  ASSERT_TRUE(idx.Search(q.data(), nq, k, {}, dist.data(), labels.data(), env.ctx).ok());
  BruteForceKnn(q.data(), nq, x.data(), n, d, Metric::kL2, k, ref_d.data(), ref_l.data());
  size_t hits = 0;
  for (size_t i = 0; i < nq; ++i)
    for (size_t a = 0; a < k; ++a)
      for (size_t b = 0; b < k; ++b) hits += labels[i * k + a] == ref_l[i * k + b];
  EXPECT_GT(double(hits) / double(nq * k), 0.5);
}

TEST(PqIndex, FewerVectorsThanKPadsWithMinusOne) {
  TestEnv env;
  auto x = RandomVectors(300, 8, 5);
  PqIndex idx(8, Metric::kL2, 4, 4);
  ASSERT_TRUE(idx.Train(x.data(), 300, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), 3, env.ctx).ok());
  std::vector<float> dist(5);
  std::vector<idx_t> labels(5);
  ASSERT_TRUE(idx.Search(x.data(), 1, 5, {}, dist.data(), labels.data(), env.ctx).ok());
  EXPECT_EQ(labels[3], -1);
  EXPECT_EQ(labels[4], -1);
}

TEST(PqIndex, FromPartsChecksCodes) {
  auto pq = quant::ProductQuantizer::FromCentroids(4, 2, 2, std::vector<float>(4 * 4, 0.f));
  ASSERT_TRUE(pq.ok());
  EXPECT_FALSE(PqIndex::FromParts(Metric::kL2, *pq, std::vector<uint8_t>{}).value() == nullptr);
  // code_size is 1 byte: any length is whole; 3 codes.
  auto idx = PqIndex::FromParts(Metric::kL2, *pq, std::vector<uint8_t>(3));
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ((*idx)->ntotal(), 3u);
  EXPECT_FALSE(PqIndex::FromParts(Metric::kL2, quant::ProductQuantizer::Create(4, 2, 2).value(),
                                  {})
                   .ok());
  auto pq12 = quant::ProductQuantizer::FromCentroids(2, 2, 12, std::vector<float>(2 * 4096));
  ASSERT_TRUE(pq12.ok());  // code_size 3
  EXPECT_FALSE(PqIndex::FromParts(Metric::kL2, *pq12, std::vector<uint8_t>(4)).ok());
}

}  // namespace
}  // namespace kiln::index
