#include "kiln/index/ivf_pq_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "kiln/index/index_test_support.h"
#include "kiln/index/pq_index.h"

namespace kiln::index {
namespace {

using testing::BruteForceKnn;
using testing::ClusteredVectors;
using testing::RandomVectors;
using testing::SameResults;
using testing::TestEnv;

// Reconstructions centroid + decode(code) (or decode(code)) in id order.
std::vector<float> Reconstruct(const IvfPqIndex& idx) {
  const size_t d = idx.d();
  std::vector<float> out(idx.ntotal() * d), y(d);
  for (size_t l = 0; l < idx.nlist(); ++l) {
    const float* c = idx.quantizer()->vectors() + l * d;
    for (size_t j = 0; j < idx.lists().list_size(l); ++j) {
      idx.pq().Decode(idx.lists().codes(l) + j * idx.code_size(), 1, y.data());
      const auto id = static_cast<size_t>(idx.lists().ids(l)[j]);
      for (size_t t = 0; t < d; ++t) out[id * d + t] = y[t] + (idx.by_residual() ? c[t] : 0.f);
    }
  }
  return out;
}

double Recall(const std::vector<idx_t>& got, const std::vector<idx_t>& ref, size_t nq, size_t k) {
  size_t hits = 0;
  for (size_t i = 0; i < nq; ++i)
    for (size_t a = 0; a < k; ++a)
      for (size_t b = 0; b < k; ++b) hits += got[i * k + a] == ref[i * k + b];
  return double(hits) / double(nq * k);
}

TEST(IvfPqIndex, CreateChecksShapeAndDescribes) {
  EXPECT_FALSE(IvfPqIndex::Create(30, Metric::kL2, 8, 16).ok());
  EXPECT_FALSE(IvfPqIndex::Create(32, Metric::kL2, 8, 4, 13).ok());
  EXPECT_FALSE(IvfPqIndex::Create(32, Metric::kL2, 0, 4).ok());
  EXPECT_EQ(IvfPqIndex::Create(32, Metric::kL2, 256, 16).value()->Describe(), "IVF256,PQ16");
  EXPECT_EQ(IvfPqIndex(32, Metric::kL2, 64, 8, 4).Describe(), "IVF64,PQ8x4");
  EXPECT_EQ(IvfPqIndex(32, Metric::kL2, 64, 8, 4).code_size(), 4u);
}

TEST(IvfPqIndex, StateErrors) {
  TestEnv env;
  IvfPqIndex idx(8, Metric::kL2, 4, 2, 4);
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
  EXPECT_EQ(idx.Train(x.data(), 100, env.ctx).code(), StatusCode::kFailedPrecondition);
}

// At nprobe = nlist the search ranks exactly as brute force over the
// reconstructions centroid + decode(code).
class IvfPqSearch : public ::testing::TestWithParam<std::tuple<Metric, size_t, bool>> {};

TEST_P(IvfPqSearch, EqualsBruteForceOverDecodedResiduals) {
  const auto [metric, nbits, by_residual] = GetParam();
  const size_t d = 24, M = 6, nlist = 16, n = 3000, nq = 40, k = 10;
  TestEnv env;
  auto x = ClusteredVectors(n, d, 20, 1.0f, 11);
  auto q = ClusteredVectors(nq, d, 20, 1.0f, 12);
  IvfPqIndex idx(d, metric, nlist, M, nbits, {}, by_residual);
  ASSERT_TRUE(idx.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), n / 2, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data() + n / 2 * d, n - n / 2, env.ctx).ok());
  ASSERT_EQ(idx.ntotal(), n);
  std::vector<float> decoded = Reconstruct(idx), dist(nq * k), ref_d(nq * k);
  std::vector<idx_t> labels(nq * k), ref_l(nq * k);
  SearchParams params;
  params.nprobe = nlist;
  ASSERT_TRUE(idx.Search(q.data(), nq, k, params, dist.data(), labels.data(), env.ctx).ok());
  std::vector<float> qp = metric == Metric::kCosine ? testing::Normalized(q.data(), nq, d) : q;
  const Metric ref_metric = metric == Metric::kCosine ? Metric::kInnerProduct : metric;
  BruteForceKnn(qp.data(), nq, decoded.data(), n, d, ref_metric, k, ref_d.data(), ref_l.data());
  EXPECT_TRUE(SameResults(ref_d.data(), ref_l.data(), dist.data(), labels.data(), nq, k, 1e-4f,
                          1e-5f));
}

INSTANTIATE_TEST_SUITE_P(
    MetricsBitsResidual, IvfPqSearch,
    ::testing::Combine(::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                       ::testing::Values(size_t{4}, size_t{8}), ::testing::Bool()));

// Residual coding at nprobe = nlist is at least about as good as flat PQ.
TEST(IvfPqIndex, RecallCloseToFlatPq) {
  const size_t d = 32, n = 6000, nq = 60, k = 10, nlist = 32;
  TestEnv env;
  auto x = ClusteredVectors(n, d, 50, 0.5f, 21);
  auto q = ClusteredVectors(nq, d, 50, 0.5f, 22);
  IvfPqIndex ivf(d, Metric::kL2, nlist, 8);
  PqIndex flat(d, Metric::kL2, 8);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(flat.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(flat.Add(x.data(), n, env.ctx).ok());
  std::vector<float> dist(nq * k), ref_d(nq * k);
  std::vector<idx_t> ivf_l(nq * k), flat_l(nq * k), ref_l(nq * k);
  SearchParams params;
  params.nprobe = nlist;
  ASSERT_TRUE(ivf.Search(q.data(), nq, k, params, dist.data(), ivf_l.data(), env.ctx).ok());
  ASSERT_TRUE(flat.Search(q.data(), nq, k, {}, dist.data(), flat_l.data(), env.ctx).ok());
  BruteForceKnn(q.data(), nq, x.data(), n, d, Metric::kL2, k, ref_d.data(), ref_l.data());
  const double r_ivf = Recall(ivf_l, ref_l, nq, k), r_flat = Recall(flat_l, ref_l, nq, k);
  EXPECT_GT(r_ivf, 0.5);
  EXPECT_GT(r_ivf, r_flat - 0.05) << "flat PQ recall " << r_flat;
}

TEST(IvfPqIndex, ListsAndResultsIndependentOfThreadCount) {
  const size_t d = 16, n = 4000, nq = 30, k = 5, nlist = 12;
  auto x = ClusteredVectors(n, d, 30, 1.0f, 31);
  std::vector<std::vector<uint8_t>> codes;
  std::vector<std::vector<idx_t>> ids, results;
  for (int threads : {1, 2, 3}) {
    TestEnv env(threads);
    IvfPqIndex idx(d, Metric::kL2, nlist, 4);
    ASSERT_TRUE(idx.Train(x.data(), n, env.ctx).ok());
    ASSERT_TRUE(idx.Add(x.data(), n, env.ctx).ok());
    std::vector<uint8_t> c;
    std::vector<idx_t> i;
    for (size_t l = 0; l < nlist; ++l) {
      const size_t s = idx.lists().list_size(l);
      c.insert(c.end(), idx.lists().codes(l), idx.lists().codes(l) + s * idx.code_size());
      i.insert(i.end(), idx.lists().ids(l), idx.lists().ids(l) + s);
    }
    std::vector<float> dist(nq * k);
    std::vector<idx_t> labels(nq * k);
    SearchParams params;
    params.nprobe = 4;
    ASSERT_TRUE(idx.Search(x.data(), nq, k, params, dist.data(), labels.data(), env.ctx).ok());
    codes.push_back(c);
    ids.push_back(i);
    results.push_back(labels);
  }
  for (size_t t = 1; t < codes.size(); ++t) {
    EXPECT_EQ(codes[t], codes[0]);
    EXPECT_EQ(ids[t], ids[0]);
    EXPECT_EQ(results[t], results[0]);
  }
}

TEST(IvfPqIndex, FromPartsChecksConsistency) {
  auto pq = quant::ProductQuantizer::FromCentroids(4, 2, 2, std::vector<float>(4 * 4, 0.f));
  ASSERT_TRUE(pq.ok());
  auto quantizer = [] {
    auto q = std::make_unique<FlatIndex>(4, Metric::kL2);
    std::vector<float> c(8, 0.f);
    TestEnv env;
    EXPECT_TRUE(q->Add(c.data(), 2, env.ctx).ok());
    return q;
  };
  EXPECT_TRUE(IvfPqIndex::FromParts(Metric::kL2, quantizer(), *pq, true, InvertedLists(2, 1), 0, 1)
                  .ok());
  EXPECT_FALSE(IvfPqIndex::FromParts(Metric::kL2, quantizer(), *pq, true, InvertedLists(2, 2), 0,
                                     1)
                   .ok());
  EXPECT_FALSE(IvfPqIndex::FromParts(Metric::kL2, nullptr, *pq, true, InvertedLists(2, 1), 0, 1)
                   .ok());
}

}  // namespace
}  // namespace kiln::index
