// Private to kiln/simd: the Hamming kernel tables, each defined in a file
// compiled with its ISA flags (see CMakeLists.txt).
#pragma once

#include "kiln/simd/hamming.h"

namespace kiln::simd::internal {

extern const HammingKernels kHammingScalar;  // hamming_scalar.cc
extern const HammingKernels kHammingPopcnt;  // hamming_popcnt.cc (-mpopcnt)
extern const HammingKernels kHammingAvx512;  // hamming_avx512.cc (-mavx512vpopcntdq)

}  // namespace kiln::simd::internal
