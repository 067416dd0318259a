// Private to kiln/simd: the per-level kernel tables and the fallback rule
// behind KernelsFor(). Each table is defined in its own file, compiled with
// that level's ISA flags (see CMakeLists.txt).
#pragma once

#include "kiln/simd/distances.h"
#include "kiln/simd/simd_level.h"

namespace kiln::simd::internal {

extern const DistanceKernels kScalarKernels;  // distances_scalar.cc
extern const DistanceKernels kAvx2Kernels;    // distances_avx2.cc
extern const DistanceKernels kAvx512Kernels;  // distances_avx512.cc

// The table of min(requested, supported): what KernelsFor() returns on a CPU
// whose best level is `supported`.
const DistanceKernels& SelectKernels(SimdLevel requested, SimdLevel supported);

}  // namespace kiln::simd::internal
