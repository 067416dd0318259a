#include "kiln/index/ivf_flat_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <set>

#include "kiln/index/index_test_support.h"

namespace kiln::index {
namespace {

using testing::BruteForceKnn;
using testing::ClusteredVectors;
using testing::RandomVectors;
using testing::TestEnv;

class IvfMetricTest : public ::testing::TestWithParam<Metric> {};

TEST_P(IvfMetricTest, FullProbeEqualsFlatSearch) {
  const Metric metric = GetParam();
  const size_t n = 3000, d = 16, nlist = 32, nq = 50, k = 10;
  std::vector<float> x = RandomVectors(n, d, 10);
  std::vector<float> q = RandomVectors(nq, d, 11);
  TestEnv env;
  IvfFlatIndex ivf(d, metric, nlist);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  FlatIndex flat(d, metric);
  ASSERT_TRUE(flat.Add(x.data(), n, env.ctx).ok());

  std::vector<float> di(nq * k), df(nq * k);
  std::vector<idx_t> li(nq * k), lf(nq * k);
  ASSERT_TRUE(ivf.Search(q.data(), nq, k, {.nprobe = nlist}, di.data(), li.data(), env.ctx).ok());
  ASSERT_TRUE(flat.Search(q.data(), nq, k, {}, df.data(), lf.data(), env.ctx).ok());
  EXPECT_EQ(li, lf);
  for (size_t i = 0; i < nq * k; ++i) EXPECT_TRUE(testing::CloseRel(di[i], df[i], 1e-4f)) << i;

  // nprobe above nlist is clamped.
  std::vector<idx_t> lc(nq * k);
  ASSERT_TRUE(ivf.Search(q.data(), nq, k, {.nprobe = 1000}, di.data(), lc.data(), env.ctx).ok());
  EXPECT_EQ(lc, li);
}

TEST_P(IvfMetricTest, RecallAtModerateNprobe) {
  const Metric metric = GetParam();
  const size_t n = 20000, d = 32, nlist = 64, nq = 200, k = 10;
  // 100 overlapping clusters (spread 4 around centres of scale 4): neighbours
  // often straddle lists, so recall grows with nprobe.
  std::vector<float> x = ClusteredVectors(n + nq, d, 100, 4.0f, 20);
  std::vector<float> q(x.begin() + n * d, x.end());  // held-out points of the same clusters
  x.resize(n * d);
  TestEnv env;
  IvfFlatIndex ivf(d, metric, nlist);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  std::vector<float> ref_dist(nq * k);
  std::vector<idx_t> ref_lab(nq * k);
  BruteForceKnn(q.data(), nq, x.data(), n, d, metric, k, ref_dist.data(), ref_lab.data());
  auto recall_at = [&](size_t nprobe) {
    std::vector<float> dist(nq * k);
    std::vector<idx_t> lab(nq * k);
    EXPECT_TRUE(
        ivf.Search(q.data(), nq, k, {.nprobe = nprobe}, dist.data(), lab.data(), env.ctx).ok());
    size_t hits = 0;
    for (size_t i = 0; i < nq; ++i) {
      std::set<idx_t> truth(ref_lab.begin() + i * k, ref_lab.begin() + (i + 1) * k);
      for (size_t j = 0; j < k; ++j) hits += truth.count(lab[i * k + j]);
    }
    return double(hits) / double(nq * k);
  };
  const double r1 = recall_at(1), r8 = recall_at(8);
  EXPECT_GT(r8, 0.93) << "recall@10 at nprobe 8 of 64 (measured 0.965-0.975)";
  EXPECT_LT(r1, r8) << "probing more lists must help on overlapping clusters";
}

TEST_P(IvfMetricTest, KLargerThanCandidatesPads) {
  const Metric metric = GetParam();
  const size_t n = 40, d = 4, nlist = 4, k = 50;
  std::vector<float> x = RandomVectors(n, d, 30);
  TestEnv env;
  IvfFlatIndex ivf(d, metric, nlist);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  std::vector<float> dist(k);
  std::vector<idx_t> lab(k);
  ASSERT_TRUE(ivf.Search(x.data(), 1, k, {.nprobe = nlist}, dist.data(), lab.data(), env.ctx).ok());
  for (size_t j = 0; j < n; ++j) EXPECT_GE(lab[j], 0);
  for (size_t j = n; j < k; ++j) {
    EXPECT_EQ(lab[j], -1);
    EXPECT_EQ(dist[j], IsSimilarity(metric) ? -INFINITY : INFINITY);
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, IvfMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

// An IVF index over fixed centroids (so thread count cannot change training).
std::unique_ptr<IvfFlatIndex> WithCentroids(const std::vector<float>& centroids, size_t d,
                                            Metric metric) {
  auto quantizer = FlatIndex::FromVectors(d, metric, centroids);
  EXPECT_TRUE(quantizer.ok());
  const size_t nlist = centroids.size() / d;
  auto ivf = IvfFlatIndex::FromParts(metric, std::move(quantizer).value(),
                                     InvertedLists(nlist, 4 * d), 0, 1);
  EXPECT_TRUE(ivf.ok()) << ivf.status().ToString();
  return std::move(ivf).value();
}

TEST(IvfFlatIndexTest, ListsAreInInputOrderAndIndependentOfThreads) {
  const size_t n = 70000, d = 8, nlist = 24;  // more than one add block
  std::vector<float> x = RandomVectors(n, d, 40);
  std::vector<float> centroids = RandomVectors(nlist, d, 41);
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    std::vector<std::unique_ptr<IvfFlatIndex>> built;
    for (int threads : {1, 2, 3}) {
      TestEnv env(threads);
      built.push_back(WithCentroids(centroids, d, metric));
      ASSERT_TRUE(built.back()->Add(x.data(), n, env.ctx).ok());
      EXPECT_EQ(built.back()->ntotal(), n);
    }
    const InvertedLists& ref = built[0]->lists();
    EXPECT_EQ(ref.total_size(), n);
    for (size_t l = 0; l < nlist; ++l) {
      const size_t size = ref.list_size(l);
      for (size_t j = 1; j < size; ++j) ASSERT_LT(ref.ids(l)[j - 1], ref.ids(l)[j]);
      for (size_t j = 0; j < size; ++j) {
        const idx_t id = ref.ids(l)[j];
        ASSERT_EQ(std::memcmp(ref.codes(l) + j * 4 * d, &x[id * d], 4 * d), 0);
      }
      for (size_t b = 1; b < built.size(); ++b) {
        const InvertedLists& other = built[b]->lists();
        ASSERT_EQ(other.list_size(l), size);
        if (size == 0) continue;  // empty vectors may hold null data pointers
        EXPECT_EQ(std::memcmp(other.ids(l), ref.ids(l), size * sizeof(idx_t)), 0);
        EXPECT_EQ(std::memcmp(other.codes(l), ref.codes(l), size * 4 * d), 0);
      }
    }
    // Each vector sits in its best list (nearest centroid / largest inner product).
    std::vector<idx_t> list_of(n);
    for (size_t l = 0; l < nlist; ++l)
      for (size_t j = 0; j < ref.list_size(l); ++j) list_of[ref.ids(l)[j]] = static_cast<idx_t>(l);
    std::vector<float> bd(n);
    std::vector<idx_t> bl(n);
    BruteForceKnn(x.data(), 500, centroids.data(), nlist, d, metric, 1, bd.data(), bl.data());
    for (size_t i = 0; i < 500; ++i) EXPECT_EQ(list_of[i], bl[i]) << i;
  }
}

TEST(IvfFlatIndexTest, StateErrors) {
  const size_t d = 4, nlist = 8;
  std::vector<float> x = RandomVectors(100, d, 50);
  TestEnv env;
  IvfFlatIndex ivf(d, Metric::kL2, nlist);
  EXPECT_EQ(ivf.Describe(), "IVF8,Flat");
  EXPECT_FALSE(ivf.is_trained());
  Status add = ivf.Add(x.data(), 100, env.ctx);
  EXPECT_EQ(add.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(add.message(),
            "IVF8,Flat: add of 100 vectors before the index is trained (call Train first)");
  std::vector<float> dist(1);
  std::vector<idx_t> lab(1);
  EXPECT_EQ(ivf.Search(x.data(), 1, 1, {}, dist.data(), lab.data(), env.ctx).code(),
            StatusCode::kFailedPrecondition);
  Status train = ivf.Train(x.data(), 5, env.ctx);
  EXPECT_EQ(train.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(train.message(),
            "IVF8,Flat: train: 5 training vectors is fewer than nlist = 8 (need n >= nlist)");
  ASSERT_TRUE(ivf.Train(x.data(), 100, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), 100, env.ctx).ok());
  EXPECT_EQ(ivf.Train(x.data(), 100, env.ctx).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ivf.Search(x.data(), 1, 1, {.nprobe = 0}, dist.data(), lab.data(), env.ctx).code(),
            StatusCode::kInvalidArgument);
}

class RecordingProgress : public ProgressSink {
 public:
  void Report(std::string_view phase, uint64_t done, uint64_t total) override {
    std::lock_guard<std::mutex> lock(mu);
    if (phase == "add") last_add = {done, total};
  }
  std::mutex mu;
  std::pair<uint64_t, uint64_t> last_add{0, 0};
};

TEST(IvfFlatIndexTest, CancellationAndProgress) {
  const size_t n = 2000, d = 8, nlist = 16;
  std::vector<float> x = RandomVectors(n, d, 60);
  TestEnv env;
  RecordingProgress progress;
  env.ctx.progress = &progress;
  IvfFlatIndex ivf(d, Metric::kL2, nlist);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  EXPECT_EQ(progress.last_add, std::make_pair(uint64_t{n}, uint64_t{n}));

  env.cancel.Cancel();
  EXPECT_EQ(ivf.Add(x.data(), n, env.ctx).code(), StatusCode::kCancelled);
  EXPECT_EQ(ivf.ntotal(), n);
  std::vector<float> dist(n);
  std::vector<idx_t> lab(n);
  EXPECT_EQ(ivf.Search(x.data(), n, 1, {}, dist.data(), lab.data(), env.ctx).code(),
            StatusCode::kCancelled);
  IvfFlatIndex fresh(d, Metric::kL2, nlist);
  EXPECT_EQ(fresh.Train(x.data(), n, env.ctx).code(), StatusCode::kCancelled);
}

TEST(IvfFlatIndexTest, FromPartsChecksConsistency) {
  const size_t d = 4;
  auto quantizer = [&](size_t nlist, Metric m) {
    return std::move(FlatIndex::FromVectors(d, m, std::vector<float>(nlist * d, 0.5f))).value();
  };
  EXPECT_EQ(
      IvfFlatIndex::FromParts(Metric::kL2, quantizer(3, Metric::kL2), InvertedLists(4, 16), 0, 1)
          .status()
          .message(),
      "IVF index: quantizer holds 3 centroids, expected nlist = 4");
  EXPECT_FALSE(
      IvfFlatIndex::FromParts(Metric::kL2, quantizer(4, Metric::kL2), InvertedLists(4, 12), 0, 1)
          .ok());
  EXPECT_FALSE(IvfFlatIndex::FromParts(Metric::kL2, quantizer(4, Metric::kInnerProduct),
                                       InvertedLists(4, 16), 0, 1)
                   .ok());
  EXPECT_FALSE(
      IvfFlatIndex::FromParts(Metric::kL2, quantizer(4, Metric::kL2), InvertedLists(4, 16), 5, 1)
          .ok());
  auto ok =
      IvfFlatIndex::FromParts(Metric::kL2, quantizer(4, Metric::kL2), InvertedLists(4, 16), 0, 3);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->nprobe(), 3u);
  EXPECT_TRUE((*ok)->is_trained());
}

}  // namespace
}  // namespace kiln::index
