// Vector distance kernels (d = dimension). Kernels validate nothing: callers
// pass valid pointers and sizes. Each function dispatches on ActiveSimdLevel();
// KernelsFor() exposes a specific level so tests compare every level with the
// scalar reference.
//
// Every level computes the same sums; SIMD levels only reorder the additions
// (several accumulators, tree reductions) and fuse multiply-adds (FMA), as
// Faiss does. For a dot product or squared distance over d terms the result of
// every level is within gamma_d * sum_i |term_i| of the exact value, where
// gamma_d = d*u / (1 - d*u) and u = 2^-24. Inputs whose partial sums are all
// exactly representable (e.g. small integers) give bit-identical results on
// every level. fvec_madd is bit-identical on every level (no FMA).
//
// Pointers need no particular alignment. Kernels touch only the d floats of
// each vector they are given (tails use masked loads), so a row may end at
// the end of a mapping. n may be 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/simd/simd_level.h"

namespace kiln::simd {

// A table of kernels of one SIMD level. Aggregate-initialised: the member
// order is part of the contract (append new members at the end).
struct DistanceKernels {
  // sum_i (a[i] - b[i])^2.
  float (*l2sqr)(const float* a, const float* b, size_t d);
  // sum_i a[i] * b[i].
  float (*inner_product)(const float* a, const float* b, size_t d);
  // sum_i a[i]^2.
  float (*norm_sqr)(const float* a, size_t d);
  // out[j] = l2sqr(q, base + j*d) for j < n (one query against n rows).
  void (*l2sqr_to_many)(const float* q, const float* base, size_t n, size_t d, float* out);
  // out[j] = inner_product(q, base + j*d).
  void (*inner_product_to_many)(const float* q, const float* base, size_t n, size_t d, float* out);
  // c[i] = a[i] + bf * b[i] for i < d (Faiss fvec_madd). c may be the same
  // array as a or b (no partial overlap). Rounded as in scalar code.
  void (*fvec_madd)(size_t d, const float* a, float bf, const float* b, float* c);
  // out[j] = l2sqr(q, base + ids[j]*d) for j < n. ids must be valid row
  // numbers (>= 0, no -1 sentinels); order and repeats are free. Prefetches
  // the rows ahead of the ones being computed.
  void (*l2sqr_to_subset)(const float* q, const float* base, const int64_t* ids, size_t n, size_t d,
                          float* out);
  // out[j] = inner_product(q, base + ids[j]*d); as l2sqr_to_subset.
  void (*inner_product_to_subset)(const float* q, const float* base, const int64_t* ids, size_t n,
                                  size_t d, float* out);
  // out[k] = l2sqr(q, yk) for k < 4 (Faiss fvec_L2sqr_batch_4): four rows
  // anywhere in memory, sharing the loads of q.
  void (*l2sqr_batch4)(const float* q, const float* y0, const float* y1, const float* y2,
                       const float* y3, size_t d, float* out);
  // sum[t] += base[rows[i]*d + t] for i < n in that order, t < d, in double
  // (k-means centroid update). Bit-identical on every level: each sum[t] gets
  // the same additions in the same order. Prefetches rows ahead.
  void (*add_rows_to_double)(const float* base, const uint32_t* rows, size_t n, size_t d, double* sum);
};

// Kernels of `level`, or of the highest level the CPU supports if `level` is
// above DetectedSimdLevel() (so KernelsFor(kAvx512) is safe on any CPU).
const DistanceKernels& KernelsFor(SimdLevel level);
// Kernels of ActiveSimdLevel(), resolved once.
const DistanceKernels& ActiveKernels();

inline float L2Sqr(const float* a, const float* b, size_t d) {
  return ActiveKernels().l2sqr(a, b, d);
}
inline float InnerProduct(const float* a, const float* b, size_t d) {
  return ActiveKernels().inner_product(a, b, d);
}
inline float NormSqr(const float* a, size_t d) { return ActiveKernels().norm_sqr(a, d); }
inline void L2SqrToMany(const float* q, const float* base, size_t n, size_t d, float* out) {
  ActiveKernels().l2sqr_to_many(q, base, n, d, out);
}
inline void InnerProductToMany(const float* q, const float* base, size_t n, size_t d, float* out) {
  ActiveKernels().inner_product_to_many(q, base, n, d, out);
}
inline void FvecMadd(size_t d, const float* a, float bf, const float* b, float* c) {
  ActiveKernels().fvec_madd(d, a, bf, b, c);
}
inline void L2SqrToSubset(const float* q, const float* base, const int64_t* ids, size_t n, size_t d,
                          float* out) {
  ActiveKernels().l2sqr_to_subset(q, base, ids, n, d, out);
}
inline void InnerProductToSubset(const float* q, const float* base, const int64_t* ids, size_t n,
                                 size_t d, float* out) {
  ActiveKernels().inner_product_to_subset(q, base, ids, n, d, out);
}

}  // namespace kiln::simd
