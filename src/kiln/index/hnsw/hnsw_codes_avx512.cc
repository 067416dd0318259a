// AVX-512 (F + BW + VL) kernels for the 8-bit build codes; compiled with
// those flags alone (see CMakeLists.txt) and used only when the CPU has them.
// Bytes widen to 16 bits, differences or products are summed in pairs into
// 32-bit lanes (vpmaddwd): 32 components per step.
#include <immintrin.h>

#include "kiln/index/hnsw/hnsw_codes.h"

namespace kiln::index::hnsw {
namespace {

__m512i Load32(const uint8_t* p) {
  return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
__m512i LoadTail(const uint8_t* p, size_t rem) {
  const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << rem) - 1);
  return _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mask, p));
}

// Sum of the 16 unsigned 32-bit lanes, in 64 bits. (Stored rather than
// extracted: GCC 12.2's extract intrinsics trip -Wuninitialized, PR105593.)
uint64_t Sum(__m512i v) {
  alignas(64) uint32_t lanes[16];
  _mm512_store_si512(lanes, v);
  uint64_t s = 0;
  for (uint32_t lane : lanes) s += lane;
  return s;
}

uint64_t L2SqrAvx512(const uint8_t* a, const uint8_t* b, size_t d) {
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= d; i += 64) {
    const __m512i t0 = _mm512_sub_epi16(Load32(a + i), Load32(b + i));
    const __m512i t1 = _mm512_sub_epi16(Load32(a + i + 32), Load32(b + i + 32));
    acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(t0, t0));
    acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(t1, t1));
  }
  for (; i + 32 <= d; i += 32) {
    const __m512i t = _mm512_sub_epi16(Load32(a + i), Load32(b + i));
    acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(t, t));
  }
  if (i < d) {
    const __m512i t = _mm512_sub_epi16(LoadTail(a + i, d - i), LoadTail(b + i, d - i));
    acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(t, t));
  }
  return Sum(_mm512_add_epi32(acc0, acc1));
}

uint64_t DotAvx512(const uint8_t* a, const uint8_t* b, size_t d) {
  // Values 0..255 fit vpmaddwd's signed 16-bit inputs; a pair sum is at
  // most 130050, so the 32-bit lanes hold d up to kMaxAvx512D.
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= d; i += 64) {
    acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(Load32(a + i), Load32(b + i)));
    acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(Load32(a + i + 32), Load32(b + i + 32)));
  }
  for (; i + 32 <= d; i += 32)
    acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(Load32(a + i), Load32(b + i)));
  if (i < d)
    acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(LoadTail(a + i, d - i), LoadTail(b + i, d - i)));
  return Sum(_mm512_add_epi32(acc0, acc1));
}

}  // namespace

const U8Kernels& U8KernelsAvx512() {
  static const U8Kernels kernels{L2SqrAvx512, DotAvx512};
  return kernels;
}

}  // namespace kiln::index::hnsw
