// k-means for many lists (thousands to hundreds of thousands of centroids),
// built on TrainKMeans:
//
//  - Hierarchical: about √k coarse centroids are trained first (on at most
//    256 points per coarse centroid), a subsample of at most 64 points per
//    fine centroid is assigned to its coarse clusters, and the k fine
//    centroids are shared out in proportion to the coarse cluster sizes
//    (largest remainder, at least one per non-empty cluster, at most one per
//    point) and trained independently inside each coarse cluster (largest
//    first, one thread each), each stopping early once at most 1% of its
//    points move. Cost is about m·d·(√k + k/√k) per iteration instead of
//    n·d·k, with m = min(n, 64·k).
//  - Balanced: after training, points are reassigned under a capacity of
//    ceil(max_list_factor · n / k) per list (each point goes to the nearest
//    of its closest candidates that still has room) and centroids are
//    recomputed as the means; repeated a few rounds. Bounds the largest list.
#pragma once

#include <cstddef>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/cluster/kmeans.h"

namespace kiln::cluster {

struct HierarchicalKMeansParams {
  /// Coarse clusters; 0 picks round(√k).
  size_t coarse_k = 0;
  /// The fine level trains on at most this many points per fine centroid:
  /// a seeded stratified subsample of the training sample (0: all of it).
  /// 64 (a quarter of Faiss's 256) costs a quarter of the fine work and,
  /// measured on 1M × 128 clustered vectors into 4096 lists, no partition
  /// recall (docs/vectorchord.md).
  size_t fine_points_per_centroid = 64;
  /// Each coarse cell's fine k-means stops after an iteration that moved at
  /// most this share of its points (KMeansParams::stop_moved_fraction);
  /// niter stays the cap. 0 runs every cell to niter or a stable assignment.
  double fine_stop_moved_fraction = 0.01;
};

// Same contract as TrainKMeans (errors, sampling via params, progress phase
// "k-means coarse" then "k-means fine" with done = coarse clusters trained).
// Falls back to TrainKMeans when k is small (coarse_k < 2 or coarse_k >= k).
StatusOr<KMeansResult> TrainHierarchicalKMeans(const float* x, size_t n, size_t d, size_t k,
                                               const KMeansParams& params,
                                               const HierarchicalKMeansParams& hparams,
                                               const ExecContext& ctx);

// Both levels of a hierarchical run: the k fine centroids and the coarse
// ones they were trained under. Every fine centroid is the mean of points of
// one coarse Voronoi cell, so its nearest coarse centroid is (up to the
// perturbation of an empty-cluster split) the one it was trained under: the
// pair is a two-level partition tree whose greedy descent retraces training.
struct HierarchicalKMeansResult {
  KMeansResult fine;
  std::vector<float> coarse;  // coarse_k × d; empty when it fell back to flat k-means
  size_t coarse_k = 0;
};

StatusOr<HierarchicalKMeansResult> TrainHierarchicalKMeansLevels(const float* x, size_t n, size_t d, size_t k,
                                                                 const KMeansParams& params,
                                                                 const HierarchicalKMeansParams& hparams,
                                                                 const ExecContext& ctx);

struct BalanceParams {
  /// Largest list allowed, as a multiple of the mean list size n/k (> 1).
  double max_list_factor = 2.0;
  /// Reassignment + mean update rounds.
  int rounds = 3;
  /// Candidate centroids considered per point.
  size_t candidates = 8;
  bool spherical = false;
};

// Rebalances the k×d `centroids` (in place) on the n points x. Returns the
// size of the largest list after the last reassignment.
StatusOr<size_t> BalanceKMeans(const float* x, size_t n, size_t d, std::vector<float>& centroids, size_t k,
                               const BalanceParams& params, const ExecContext& ctx);

// Shares k seats among clusters of the given sizes in proportion to size
// (largest remainder), at least one per non-empty cluster and never more than
// its size. Precondition: number of non-empty clusters <= k <= sum of sizes.
std::vector<size_t> ProportionalSeats(const std::vector<size_t>& sizes, size_t k);

}  // namespace kiln::cluster
