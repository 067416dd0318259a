// Scalar reference kernels: the ground truth every SIMD level is tested against.
// Plain sequential loops (one accumulator, no FMA): keep them that way.
#include "kiln/simd/distances.h"
#include "kiln/simd/distances_internal.h"

namespace kiln::simd {
namespace {

float L2SqrScalar(const float* a, const float* b, size_t d) {
  float sum = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = a[i] - b[i];
    sum += t * t;
  }
  return sum;
}

float InnerProductScalar(const float* a, const float* b, size_t d) {
  float sum = 0;
  for (size_t i = 0; i < d; ++i) sum += a[i] * b[i];
  return sum;
}

float NormSqrScalar(const float* a, size_t d) { return InnerProductScalar(a, a, d); }

void L2SqrToManyScalar(const float* q, const float* base, size_t n, size_t d, float* out) {
  for (size_t j = 0; j < n; ++j) out[j] = L2SqrScalar(q, base + j * d, d);
}

void InnerProductToManyScalar(const float* q, const float* base, size_t n, size_t d, float* out) {
  for (size_t j = 0; j < n; ++j) out[j] = InnerProductScalar(q, base + j * d, d);
}

void FvecMaddScalar(size_t d, const float* a, float bf, const float* b, float* c) {
  for (size_t i = 0; i < d; ++i) c[i] = a[i] + bf * b[i];
}

void AddRowsToDoubleScalar(const float* base, const uint32_t* rows, size_t n, size_t d, double* sum) {
  for (size_t i = 0; i < n; ++i) {
    const float* row = base + static_cast<size_t>(rows[i]) * d;
    for (size_t t = 0; t < d; ++t) sum[t] += row[t];
  }
}

void L2SqrToSubsetScalar(const float* q, const float* base, const int64_t* ids, size_t n, size_t d,
                         float* out) {
  for (size_t j = 0; j < n; ++j) out[j] = L2SqrScalar(q, base + static_cast<size_t>(ids[j]) * d, d);
}

void InnerProductToSubsetScalar(const float* q, const float* base, const int64_t* ids, size_t n,
                                size_t d, float* out) {
  for (size_t j = 0; j < n; ++j) {
    out[j] = InnerProductScalar(q, base + static_cast<size_t>(ids[j]) * d, d);
  }
}

void L2SqrBatch4Scalar(const float* q, const float* y0, const float* y1, const float* y2,
                       const float* y3, size_t d, float* out) {
  out[0] = L2SqrScalar(q, y0, d);
  out[1] = L2SqrScalar(q, y1, d);
  out[2] = L2SqrScalar(q, y2, d);
  out[3] = L2SqrScalar(q, y3, d);
}

}  // namespace

namespace internal {

constinit const DistanceKernels kScalarKernels = {
    .l2sqr = L2SqrScalar,
    .inner_product = InnerProductScalar,
    .norm_sqr = NormSqrScalar,
    .l2sqr_to_many = L2SqrToManyScalar,
    .inner_product_to_many = InnerProductToManyScalar,
    .fvec_madd = FvecMaddScalar,
    .l2sqr_to_subset = L2SqrToSubsetScalar,
    .inner_product_to_subset = InnerProductToSubsetScalar,
    .l2sqr_batch4 = L2SqrBatch4Scalar,
    .add_rows_to_double = AddRowsToDoubleScalar,
};

}  // namespace internal
}  // namespace kiln::simd
