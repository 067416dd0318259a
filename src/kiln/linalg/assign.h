// Nearest-centroid assignment for k-means and IVF: for each of n points, the
// closest of k centroids in squared L2, plus the squared distance to the
// second closest (for k-means bounds). GEMM-blocked with a fused top-2: the
// n×k distance matrix is never materialised.
#pragma once

#include <cstddef>

#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"

namespace kiln::linalg {

struct AssignOutput {
  idx_t* nearest = nullptr;        // n labels in [0, k)
  float* nearest_dist = nullptr;   // n squared L2 distances (clamped at 0); may be null
  float* second_dist = nullptr;    // n squared L2 distances to the runner-up; may be null
                                   // (+inf when k == 1)
};

// x: n×d points; centroids: k×d; centroid_norms: k values ||c||².
// Ties go to the lower centroid index. Deterministic for any thread count.
void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms,
                   size_t k, size_t d, const AssignOutput& out, ThreadPool& pool);

}  // namespace kiln::linalg
