// Scalar reference kernels: the ground truth every SIMD level is tested against.
#include "kiln/simd/distances.h"

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

}  // namespace

const DistanceKernels kScalarKernels = {L2SqrScalar, InnerProductScalar, NormSqrScalar,
                                        L2SqrToManyScalar, InnerProductToManyScalar};

const DistanceKernels& KernelsFor(SimdLevel) { return kScalarKernels; }
const DistanceKernels& ActiveKernels() { return KernelsFor(ActiveSimdLevel()); }

}  // namespace kiln::simd
