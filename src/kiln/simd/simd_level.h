// Run-time choice of SIMD kernels. Binaries are built for baseline x86-64;
// each kernel family is compiled per ISA in its own file and picked here.
#pragma once

#include <optional>
#include <string_view>

namespace kiln::simd {

enum class SimdLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

std::string_view SimdLevelName(SimdLevel level);  // "scalar", "avx2", "avx512"
std::optional<SimdLevel> ParseSimdLevel(std::string_view name);

// Best level this CPU (and OS) supports.
SimdLevel DetectedSimdLevel();
// Level in use: DetectedSimdLevel(), lowered by the environment variable
// KILN_SIMD=scalar|avx2|avx512 (a request above what the CPU has is capped).
SimdLevel ActiveSimdLevel();

// The rule ActiveSimdLevel() applies, exposed for tests: `env` is the value of
// KILN_SIMD (nullptr when unset). An unknown name is ignored (the result is
// `detected`); a known one is capped at `detected`.
SimdLevel ResolveSimdLevel(SimdLevel detected, const char* env);

}  // namespace kiln::simd
