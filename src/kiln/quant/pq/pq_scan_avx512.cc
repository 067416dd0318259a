// AVX-512 ADC kernel for nbits = 8: 16 codes per step; for each sub-space m
// one gather loads the 16 code bytes (as 32-bit words, masked to the low
// byte) and one gather loads their table entries. Compiled with AVX-512 flags
// for this file only; reached through Scan8For after a CPU check.
#include <immintrin.h>

#include "kiln/quant/pq/pq_scan.h"

namespace kiln::quant::internal {

void Scan8Avx512(const float* table, size_t M, const uint8_t* codes, size_t n, float* out) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(M)));
  const __m512i low_byte = _mm512_set1_epi32(0xFF);
  // Masked gathers with a zero source: the unmasked forms trip GCC 12's
  // -Wmaybe-uninitialized inside the intrinsic headers.
  const __m512i zero_i = _mm512_setzero_si512();
  const __m512 zero_f = _mm512_setzero_ps();
  const __mmask16 all = 0xFFFF;
  size_t i = 0;
  // The byte gather reads 4 bytes from each code byte: stay 3 bytes clear of
  // the end of the codes; the rest goes to the scalar loop.
  for (; (i + 16) * M + 3 <= n * M; i += 16) {
    const uint8_t* block = codes + i * M;
    __m512 acc = _mm512_setzero_ps();
    for (size_t m = 0; m < M; ++m) {
      __m512i idx = _mm512_mask_i32gather_epi32(zero_i, all, offsets, block + m, 1);
      idx = _mm512_and_si512(idx, low_byte);
      idx = _mm512_add_epi32(idx, _mm512_set1_epi32(static_cast<int>(m * 256)));
      acc = _mm512_add_ps(acc, _mm512_mask_i32gather_ps(zero_f, all, idx, table, 4));
    }
    _mm512_storeu_ps(out + i, acc);
  }
  Scan8Scalar(table, M, codes + i * M, n - i, out + i);
}

}  // namespace kiln::quant::internal
