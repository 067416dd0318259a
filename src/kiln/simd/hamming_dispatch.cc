// Picks a Hamming table for the CPU (baseline x86-64 code).
#include <cstdlib>

#include "kiln/simd/hamming.h"
#include "kiln/simd/hamming_internal.h"

namespace kiln::simd {

std::string_view HammingLevelName(HammingLevel level) {
  switch (level) {
    case HammingLevel::kScalar: return "scalar";
    case HammingLevel::kPopcnt: return "popcnt";
    case HammingLevel::kAvx512Vpopcnt: return "avx512-vpopcntq";
  }
  return "unknown";
}

HammingLevel DetectedHammingLevel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("bmi2"))
    return HammingLevel::kAvx512Vpopcnt;
  if (__builtin_cpu_supports("popcnt")) return HammingLevel::kPopcnt;
  return HammingLevel::kScalar;
}

const HammingKernels& HammingKernelsFor(HammingLevel level) {
  static const HammingLevel detected = DetectedHammingLevel();
  const HammingLevel use = level < detected ? level : detected;
  switch (use) {
    case HammingLevel::kAvx512Vpopcnt: return internal::kHammingAvx512;
    case HammingLevel::kPopcnt: return internal::kHammingPopcnt;
    case HammingLevel::kScalar: break;
  }
  return internal::kHammingScalar;
}

const HammingKernels& ActiveHammingKernels() {
  static const HammingKernels& kernels = [] () -> const HammingKernels& {
    switch (ActiveSimdLevel()) {
      case SimdLevel::kScalar: return HammingKernelsFor(HammingLevel::kScalar);
      case SimdLevel::kAvx2: return HammingKernelsFor(HammingLevel::kPopcnt);
      case SimdLevel::kAvx512: break;
    }
    return HammingKernelsFor(HammingLevel::kAvx512Vpopcnt);
  }();
  return kernels;
}

}  // namespace kiln::simd
