// Steps of Lloyd's algorithm shared by kmeans.cc (not a public header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"
#include "kiln/cluster/kmeans.h"

namespace kiln::cluster::internal {

// Writes k initial centroids (k×d) chosen from the n points.
void InitCentroids(const float* x, size_t n, size_t d, size_t k, KMeansInit init, uint64_t seed,
                   float* centroids, ThreadPool& pool);

// Per-cluster sums Σ x_i (k×d, double) and sizes over the points assigned to
// each cluster, kept across Lloyd iterations so that an update only has to
// move the points whose assignment changed.
struct ClusterSums {
  std::vector<double> sums;
  std::vector<size_t> counts;
};

// Sums from scratch; each cluster adds its points in point order, so the
// result does not depend on the thread count or the SIMD level.
void ComputeClusterSums(const float* x, size_t n, size_t d, size_t k, const idx_t* assign, ClusterSums& cs,
                        ThreadPool& pool);

// Moves the points whose cluster changed from before[i] to after[i] (in
// point order: deterministic). Returns how many moved.
size_t MoveClusterSums(const float* x, size_t n, size_t d, const idx_t* before, const idx_t* after, ClusterSums& cs);

// Sets each non-empty cluster's centroid to the mean of its points. An empty
// cluster takes over half of the cluster with the largest squared error (sum
// of its points' squared distances, `dist2`): a copy of that centroid, both
// perturbed by ±1/1024. Splitting by error rather than size never wastes a
// centroid on a cluster of identical points. Returns the number of splits.
size_t CentroidsFromSums(const ClusterSums& cs, size_t n, size_t d, size_t k, const idx_t* assign,
                         const float* dist2, float* centroids);

}  // namespace kiln::cluster::internal
