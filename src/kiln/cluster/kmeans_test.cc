#include "kiln/cluster/kmeans.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "kiln/cluster/sampling.h"
#include "kiln/simd/distances.h"

namespace kiln::cluster {
namespace {

// n points around `clusters` well separated centres in d dimensions.
std::vector<float> Blobs(size_t n, size_t d, size_t clusters, float spread, uint64_t seed,
                         std::vector<float>* centres_out = nullptr) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centres(clusters * d);
  for (auto& v : centres) v = normal(rng) * 10;
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[(i % clusters) * d + j] + spread * normal(rng);
  if (centres_out) *centres_out = centres;
  return x;
}

struct Env {
  explicit Env(int threads) : pool(threads) { ctx.pool = &pool; }
  ThreadPool pool;
  ExecContext ctx;
};

TEST(KMeansTest, RecoversWellSeparatedCentres) {
  const size_t n = 4000, d = 16, k = 8;
  std::vector<float> centres;
  std::vector<float> x = Blobs(n, d, k, 0.5f, 7, &centres);
  Env env(2);
  KMeansParams p;
  p.init = KMeansInit::kKMeansPlusPlus;
  auto r = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Every true centre has a learned centroid within a small distance.
  for (size_t c = 0; c < k; ++c) {
    float best = 1e30f;
    for (size_t j = 0; j < k; ++j)
      best = std::min(best, simd::L2Sqr(&centres[c * d], &r->centroids[j * d], d));
    EXPECT_LT(best, 0.05f) << "centre " << c;
  }
  // Objective ≈ n·d·spread².
  EXPECT_EQ(r->n_train, k * 256);  // Faiss-style cap: k * max_points_per_centroid
  EXPECT_NEAR(r->objective / (r->n_train * d), 0.25, 0.02);  // ≈ spread² per dimension
}

TEST(KMeansTest, BoundsGiveTheSameResultAsPlainLloyd) {
  const size_t n = 6000, d = 24, k = 50;
  std::vector<float> x = Blobs(n, d, 20, 3.0f, 11);
  Env env(2);
  KMeansParams p;
  p.niter = 15;
  p.use_bounds = false;
  auto plain = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  p.use_bounds = true;
  auto bounded = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(plain.ok() && bounded.ok());
  EXPECT_NEAR(plain->objective, bounded->objective, 1e-4 * plain->objective);
  for (size_t i = 0; i < k * d; ++i) ASSERT_NEAR(plain->centroids[i], bounded->centroids[i], 1e-3f);
  EXPECT_LT(bounded->distance_evaluations, plain->distance_evaluations);
}

TEST(KMeansTest, ReproducibleForSeedAndIndependentOfThreadCount) {
  const size_t n = 3000, d = 10, k = 30;
  std::vector<float> x = Blobs(n, d, 12, 2.0f, 3);
  KMeansParams p;
  Env one(1), two(2);
  auto a = TrainKMeans(x.data(), n, d, k, p, one.ctx);
  auto b = TrainKMeans(x.data(), n, d, k, p, two.ctx);
  auto c = TrainKMeans(x.data(), n, d, k, p, two.ctx);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(b->centroids, c->centroids);
  EXPECT_EQ(a->centroids, b->centroids);
  p.seed = 99;
  auto other = TrainKMeans(x.data(), n, d, k, p, two.ctx);
  EXPECT_NE(other->centroids, b->centroids);
}

TEST(KMeansTest, SphericalCentroidsHaveUnitNorm) {
  const size_t n = 2000, d = 8, k = 10;
  std::vector<float> x = Blobs(n, d, 10, 1.0f, 5);
  Env env(2);
  KMeansParams p;
  p.spherical = true;
  auto r = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(r.ok());
  for (size_t c = 0; c < k; ++c) EXPECT_NEAR(simd::NormSqr(&r->centroids[c * d], d), 1.0f, 1e-4f);
}

TEST(KMeansTest, EmptyClustersAreSplitFromLargeOnes) {
  // 3 distinct points repeated: with k = 6 random init picks duplicates,
  // which leaves clusters empty; every centroid must end up used.
  const size_t d = 4, n = 600, k = 6;
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) x[i * d + j] = static_cast<float>((i % 3) * 10 + (i % 7) * 0.01 * j);
  Env env(1);
  KMeansParams p;
  p.niter = 10;
  auto r = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(r.ok());
  for (float v : r->centroids) EXPECT_TRUE(std::isfinite(v));
}

TEST(KMeansTest, SamplingFollowsCapAndRate) {
  EXPECT_EQ(TrainingSampleSize(1000000, 100, 0, 256), 25600u);
  EXPECT_EQ(TrainingSampleSize(1000, 100, 0, 256), 1000u);
  EXPECT_EQ(TrainingSampleSize(1000, 10, 0.05, 256), 50u);
  EXPECT_EQ(TrainingSampleSize(1000, 100, 0.05, 256), 100u);  // never below k
  auto idx = SampleIndices(100, 10, 1);
  EXPECT_EQ(idx.size(), 10u);
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  EXPECT_EQ(std::adjacent_find(idx.begin(), idx.end()), idx.end());
  EXPECT_EQ(SampleIndices(1000000, 5, 2), SampleIndices(1000000, 5, 2));
}

TEST(KMeansTest, StratifiedIndicesTakeOnePerStratum) {
  auto idx = StratifiedIndices(1000, 64, 5);
  ASSERT_EQ(idx.size(), 64u);
  for (size_t j = 0; j < idx.size(); ++j) {
    EXPECT_GE(idx[j], j * 1000 / 64);
    EXPECT_LT(idx[j], (j + 1) * 1000 / 64);
  }
  EXPECT_EQ(idx, StratifiedIndices(1000, 64, 5));
  EXPECT_NE(idx, StratifiedIndices(1000, 64, 6));
  auto all = StratifiedIndices(7, 7, 1);
  EXPECT_EQ(all, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(KMeansTest, StopMovedFractionEndsEarlyWithNearlyTheSameObjective) {
  const size_t n = 6000, d = 24, k = 50;
  std::vector<float> x = Blobs(n, d, 20, 3.0f, 11);
  Env env(2);
  KMeansParams p;
  p.niter = 25;
  auto full = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  p.stop_moved_fraction = 0.02;
  auto early = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(full.ok() && early.ok());
  EXPECT_LT(early->iterations, full->iterations);
  EXPECT_LT(early->objective, full->objective * 1.02);
  // Off (0): only a stable assignment stops early, as before the option.
  p.stop_moved_fraction = 0;
  auto again = TrainKMeans(x.data(), n, d, k, p, env.ctx);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->centroids, full->centroids);
  EXPECT_EQ(again->iterations, full->iterations);
}

TEST(KMeansTest, RejectsBadArguments) {
  std::vector<float> x(10 * 4, 1.0f);
  Env env(1);
  auto r = TrainKMeans(x.data(), 10, 4, 20, {}, env.ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "k-means: 10 training points is fewer than the 20 clusters asked for (need n >= k)");
  EXPECT_EQ(TrainKMeans(x.data(), 10, 0, 2, {}, env.ctx).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TrainKMeans(x.data(), 10, 4, 0, {}, env.ctx).status().code(), StatusCode::kInvalidArgument);
}

TEST(KMeansTest, CancellationStopsTraining) {
  std::vector<float> x = Blobs(1000, 8, 4, 1.0f, 1);
  Env env(2);
  CancelToken cancel;
  cancel.Cancel();
  env.ctx.cancel = &cancel;
  auto r = TrainKMeans(x.data(), 1000, 8, 4, {}, env.ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace kiln::cluster
