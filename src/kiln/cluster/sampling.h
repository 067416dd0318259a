// Seeded sampling helpers shared by k-means and its callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/thread_pool.h"

namespace kiln::cluster {

// m distinct indices from [0, n), sorted ascending, reproducible for a seed
// (partial Fisher–Yates on a 64-bit Mersenne twister). Requires m <= n.
std::vector<size_t> SampleIndices(size_t n, size_t m, uint64_t seed);

// m indices from [0, n), one drawn uniformly from each of m equal strata
// [⌊j·n/m⌋, ⌊(j+1)·n/m⌋): sorted, distinct, reproducible for a seed, and
// O(m) (no permutation of n). Requires 0 < m <= n < 2³².
std::vector<uint32_t> StratifiedIndices(size_t n, size_t m, uint64_t seed);

// Number of training points k-means uses for n input points (see
// KMeansParams: sample_rate, else the max_points_per_centroid cap).
size_t TrainingSampleSize(size_t n, size_t k, double sample_rate, size_t max_points_per_centroid);

// The m training rows of x (n×d) for seed: x itself when m == n, else the
// SampleIndices(n, m, seed) rows gathered into `buffer` (resized to m×d).
const float* GatherTrainingRows(const float* x, size_t n, size_t d, size_t m, uint64_t seed,
                                AlignedBuffer<float>& buffer, ThreadPool& pool);

}  // namespace kiln::cluster
