// Picks a kernel table per SIMD level, falling back downward to what the CPU
// supports. Compiled for baseline x86-64 like everything but the kernel files.
#include "kiln/simd/distances.h"
#include "kiln/simd/distances_internal.h"

namespace kiln::simd {
namespace internal {

const DistanceKernels& SelectKernels(SimdLevel requested, SimdLevel supported) {
  SimdLevel level = requested < supported ? requested : supported;
  switch (level) {
    case SimdLevel::kAvx512:
      return kAvx512Kernels;
    case SimdLevel::kAvx2:
      return kAvx2Kernels;
    case SimdLevel::kScalar:
      break;
  }
  return kScalarKernels;
}

}  // namespace internal

const DistanceKernels& KernelsFor(SimdLevel level) {
  static const SimdLevel detected = DetectedSimdLevel();
  return internal::SelectKernels(level, detected);
}

const DistanceKernels& ActiveKernels() {
  static const DistanceKernels& kernels = KernelsFor(ActiveSimdLevel());
  return kernels;
}

}  // namespace kiln::simd
