// Hamming distance between packed binary codes (Faiss's IndexBinary codes:
// d bits in code_size = d/8 bytes): popcount(a XOR b). Three tables, picked
// at run time: a portable scalar reference (8-byte words), POPCNT (CPUs with
// AVX2), and AVX-512 VPOPCNTQ (CPUs with AVX-512 F/BW and VPOPCNTDQ). All give
// identical integers. Kernels validate nothing; code_size may be any value
// (tails use masked or byte loads) and pointers need no alignment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kiln/simd/simd_level.h"

namespace kiln::simd {

enum class HammingLevel { kScalar = 0, kPopcnt = 1, kAvx512Vpopcnt = 2 };

struct HammingKernels {
  // popcount(a[i] ^ b[i]) summed over i < code_size.
  uint32_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t code_size);
  // out[j] = hamming(q, base + ids[j]*code_size) for j < n (ids >= 0).
  void (*hamming_to_subset)(const uint8_t* q, const uint8_t* base, const int32_t* ids, size_t n,
                            size_t code_size, float* out);
};

std::string_view HammingLevelName(HammingLevel level);  // "scalar", "popcnt", "avx512-vpopcntq"
// Best level this CPU supports.
HammingLevel DetectedHammingLevel();
// Kernels of `level`, or of the best supported level below it.
const HammingKernels& HammingKernelsFor(HammingLevel level);
// Kernels of the detected level, capped by KILN_SIMD (scalar → scalar,
// avx2 → popcnt), resolved once.
const HammingKernels& ActiveHammingKernels();

}  // namespace kiln::simd
