// Hamming with AVX-512 VPOPCNTQ: 64 bytes per step, the tail (and codes
// shorter than 64 bytes, e.g. d = 128 bits) through a masked byte load. This
// file alone is compiled with -mavx512f -mavx512bw -mavx512vpopcntdq; its
// table is handed out only on CPUs with those features. Internal linkage
// only (no shared inline functions).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kiln/simd/hamming_internal.h"

namespace kiln::simd {
namespace {

uint32_t Hamming512(const uint8_t* a, const uint8_t* b, size_t code_size) {
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= code_size; i += 64) {
    const __m512i x = _mm512_loadu_si512(a + i);
    const __m512i y = _mm512_loadu_si512(b + i);
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
  }
  if (i < code_size) {
    const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(code_size - i));
    const __m512i x = _mm512_maskz_loadu_epi8(m, a + i);
    const __m512i y = _mm512_maskz_loadu_epi8(m, b + i);
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
  }
  // (Not _mm512_reduce_add_epi64: GCC 12's version trips -Wuninitialized.)
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, acc);
  uint64_t sum = 0;
  for (uint64_t v : lanes) sum += v;
  return static_cast<uint32_t>(sum);
}

void Hamming512ToSubset(const uint8_t* q, const uint8_t* base, const int32_t* ids, size_t n,
                        size_t code_size, float* out) {
  for (size_t j = 0; j < n; ++j) {
    if (j + 1 < n) __builtin_prefetch(base + static_cast<size_t>(ids[j + 1]) * code_size);
    out[j] = static_cast<float>(Hamming512(q, base + static_cast<size_t>(ids[j]) * code_size, code_size));
  }
}

}  // namespace

namespace internal {
const HammingKernels kHammingAvx512 = {Hamming512, Hamming512ToSubset};
}  // namespace internal

}  // namespace kiln::simd
