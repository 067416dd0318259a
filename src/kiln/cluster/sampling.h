// Seeded sampling helpers shared by k-means and its callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::cluster {

// m distinct indices from [0, n), sorted ascending, reproducible for a seed
// (partial Fisher–Yates on a 64-bit Mersenne twister). Requires m <= n.
std::vector<size_t> SampleIndices(size_t n, size_t m, uint64_t seed);

// Number of training points k-means uses for n input points (see
// KMeansParams: sample_rate, else the max_points_per_centroid cap).
size_t TrainingSampleSize(size_t n, size_t k, double sample_rate, size_t max_points_per_centroid);

}  // namespace kiln::cluster
