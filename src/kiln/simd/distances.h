// Vector distance kernels (d = dimension). Kernels validate nothing: callers
// pass valid pointers and sizes. Each function dispatches on ActiveSimdLevel();
// KernelsFor() exposes a specific level so tests compare every level with the
// scalar reference.
#pragma once

#include <cstddef>

#include "kiln/simd/simd_level.h"

namespace kiln::simd {

struct DistanceKernels {
  float (*l2sqr)(const float* a, const float* b, size_t d);
  float (*inner_product)(const float* a, const float* b, size_t d);
  float (*norm_sqr)(const float* a, size_t d);
  // out[j] = l2sqr(q, base + j*d) for j < n (one query against n rows).
  void (*l2sqr_to_many)(const float* q, const float* base, size_t n, size_t d, float* out);
  // out[j] = inner_product(q, base + j*d).
  void (*inner_product_to_many)(const float* q, const float* base, size_t n, size_t d, float* out);
};

// Kernels of the given level (must be <= DetectedSimdLevel()).
const DistanceKernels& KernelsFor(SimdLevel level);
// Kernels of ActiveSimdLevel(), resolved once.
const DistanceKernels& ActiveKernels();

inline float L2Sqr(const float* a, const float* b, size_t d) { return ActiveKernels().l2sqr(a, b, d); }
inline float InnerProduct(const float* a, const float* b, size_t d) {
  return ActiveKernels().inner_product(a, b, d);
}
inline float NormSqr(const float* a, size_t d) { return ActiveKernels().norm_sqr(a, d); }

}  // namespace kiln::simd
