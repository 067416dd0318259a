#include "kiln/cluster/hierarchical_kmeans.h"

#include <algorithm>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"

namespace kiln::cluster {
namespace {

// n points, a Gaussian blob around each of `clusters` random centres.
std::vector<float> ClusteredPoints(size_t n, size_t d, size_t clusters, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centres(clusters * d);
  for (auto& v : centres) v = normal(rng) * 4;
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[(i % clusters) * d + j] + normal(rng);
  return x;
}

double Objective(const std::vector<float>& x, size_t n, size_t d, const std::vector<float>& c, size_t k,
                 ThreadPool& pool, std::vector<size_t>* sizes = nullptr) {
  std::vector<float> norms(k), dist(n);
  std::vector<idx_t> labels(n);
  linalg::RowNormsSqr(c.data(), k, d, norms.data(), pool);
  linalg::AssignNearest(x.data(), n, c.data(), norms.data(), k, d, {labels.data(), dist.data(), nullptr}, pool);
  if (sizes) {
    sizes->assign(k, 0);
    for (idx_t l : labels) ++(*sizes)[static_cast<size_t>(l)];
  }
  return std::accumulate(dist.begin(), dist.end(), 0.0);
}

TEST(ProportionalSeatsTest, SharesSeatsByClusterSize) {
  EXPECT_EQ(ProportionalSeats({60, 30, 10}, 10), (std::vector<size_t>{6, 3, 1}));
  // Every non-empty cluster gets one seat, empty ones none, and none more than its size.
  EXPECT_EQ(ProportionalSeats({1000, 1, 0, 2}, 6), (std::vector<size_t>{4, 1, 0, 1}));
  EXPECT_EQ(ProportionalSeats({2, 2, 2}, 6), (std::vector<size_t>{2, 2, 2}));
  std::vector<size_t> seats = ProportionalSeats({7, 13, 29, 51}, 37);
  EXPECT_EQ(std::accumulate(seats.begin(), seats.end(), size_t{0}), 37u);
}

TEST(HierarchicalKMeansTest, ObjectiveCloseToFlatKMeans) {
  const size_t n = 20000, d = 16, k = 256;
  std::vector<float> x = ClusteredPoints(n, d, 64, 3);
  ThreadPool pool(2);
  ExecContext ctx{&pool, nullptr, nullptr};
  KMeansParams p;
  p.niter = 10;
  auto flat = TrainKMeans(x.data(), n, d, k, p, ctx);
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  auto hier = TrainHierarchicalKMeans(x.data(), n, d, k, p, {}, ctx);
  ASSERT_TRUE(hier.ok()) << hier.status().ToString();
  ASSERT_EQ(hier->centroids.size(), k * d);
  const double flat_obj = Objective(x, n, d, flat->centroids, k, pool);
  const double hier_obj = Objective(x, n, d, hier->centroids, k, pool);
  EXPECT_LT(hier_obj, flat_obj * 1.10) << "flat " << flat_obj << " hierarchical " << hier_obj;
}

// 64 points per fine centroid (the default) against all of them: the fine
// level trains on k·64 points, the objective on every point stays close,
// and the run is reproducible for a seed, whatever the thread count.
TEST(HierarchicalKMeansTest, FineLevelOnSubsampleStaysCloseAndIsDeterministic) {
  const size_t n = 40000, d = 16, k = 128;
  std::vector<float> x = ClusteredPoints(n, d, 400, 9);
  ThreadPool pool(2);
  ExecContext ctx{&pool, nullptr, nullptr};
  KMeansParams p;
  p.niter = 10;
  p.max_points_per_centroid = 0;
  HierarchicalKMeansParams all;
  all.fine_points_per_centroid = 0;
  all.fine_stop_moved_fraction = 0;
  auto full = TrainHierarchicalKMeans(x.data(), n, d, k, p, all, ctx);
  auto sub = TrainHierarchicalKMeans(x.data(), n, d, k, p, {}, ctx);
  auto again = TrainHierarchicalKMeans(x.data(), n, d, k, p, {}, ctx);
  ASSERT_TRUE(full.ok() && sub.ok() && again.ok());
  EXPECT_EQ(full->n_train, n);
  EXPECT_EQ(sub->n_train, k * 64);
  EXPECT_EQ(sub->centroids, again->centroids);
  ThreadPool one_thread(1);
  auto single = TrainHierarchicalKMeans(x.data(), n, d, k, p, {}, ExecContext{&one_thread, nullptr, nullptr});
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->centroids, sub->centroids);  // each cell's run does not depend on its worker
  EXPECT_LT(sub->distance_evaluations * 3, full->distance_evaluations);
  const double full_obj = Objective(x, n, d, full->centroids, k, pool);
  const double sub_obj = Objective(x, n, d, sub->centroids, k, pool);
  EXPECT_LT(sub_obj, full_obj * 1.05) << "all points " << full_obj << ", 64 per centroid " << sub_obj;
}

TEST(HierarchicalKMeansTest, SmallKFallsBackToFlat) {
  const size_t n = 500, d = 4;
  std::vector<float> x = ClusteredPoints(n, d, 3, 5);
  ThreadPool pool(1);
  ExecContext ctx{&pool, nullptr, nullptr};
  auto r = TrainHierarchicalKMeans(x.data(), n, d, 3, {}, {}, ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->k, 3u);
  EXPECT_FALSE(TrainHierarchicalKMeans(x.data(), 2, d, 3, {}, {}, ctx).ok());
}

TEST(BalanceKMeansTest, BoundsLargestList) {
  // Very unequal blobs: half the points in one blob.
  const size_t d = 8, k = 32;
  std::vector<float> x = ClusteredPoints(4000, d, 4, 11);
  std::vector<float> big = ClusteredPoints(4000, d, 1, 12);
  x.insert(x.end(), big.begin(), big.end());
  const size_t n = 8000;
  ThreadPool pool(2);
  ExecContext ctx{&pool, nullptr, nullptr};
  KMeansParams p;
  p.niter = 10;
  auto km = TrainKMeans(x.data(), n, d, k, p, ctx);
  ASSERT_TRUE(km.ok());
  BalanceParams bp;
  bp.max_list_factor = 1.5;
  auto largest = BalanceKMeans(x.data(), n, d, km->centroids, k, bp, ctx);
  ASSERT_TRUE(largest.ok()) << largest.status().ToString();
  EXPECT_LE(*largest, static_cast<size_t>(1.5 * n / k) + 1);
  EXPECT_FALSE(BalanceKMeans(x.data(), n, d, km->centroids, k, BalanceParams{1.0}, ctx).ok());
}

}  // namespace
}  // namespace kiln::cluster
