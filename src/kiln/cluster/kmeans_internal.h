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

// Recomputes each centroid as the mean of its points, in point order (so the
// result does not depend on the thread count). An empty cluster takes over
// half of the cluster with the largest squared error (sum of its points'
// squared distances, `dist2`): a copy of that centroid, both perturbed by
// ±1/1024. Splitting by error rather than size never wastes a centroid on a
// cluster of identical points. Returns the number of splits; counts receives
// the cluster sizes.
size_t UpdateCentroids(const float* x, size_t n, size_t d, size_t k, const idx_t* assign,
                       const float* dist2, float* centroids, std::vector<size_t>& counts,
                       ThreadPool& pool);

}  // namespace kiln::cluster::internal
