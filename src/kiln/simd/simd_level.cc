#include "kiln/simd/simd_level.h"

#include <cstdlib>

namespace kiln::simd {

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
  }
  return "unknown";
}

std::optional<SimdLevel> ParseSimdLevel(std::string_view name) {
  if (name == "scalar") return SimdLevel::kScalar;
  if (name == "avx2") return SimdLevel::kAvx2;
  if (name == "avx512") return SimdLevel::kAvx512;
  return std::nullopt;
}

SimdLevel DetectedSimdLevel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

SimdLevel ResolveSimdLevel(SimdLevel detected, const char* env) {
  if (env == nullptr) return detected;
  std::optional<SimdLevel> requested = ParseSimdLevel(env);
  if (!requested) return detected;
  return *requested < detected ? *requested : detected;
}

SimdLevel ActiveSimdLevel() {
  static const SimdLevel level = ResolveSimdLevel(DetectedSimdLevel(), std::getenv("KILN_SIMD"));
  return level;
}

}  // namespace kiln::simd
