// AVX-512 kernels of SqDistanceComputer: 16 components per step, decoded in
// registers (x = c·scale + offset for 8/4-bit codes, vcvtph2ps for fp16, a
// shift for bf16), masked tails, one horizontal sum per code. Compiled with
// -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma; called only when
// ActiveSimdLevel() is kAvx512.
// GCC 12's own AVX-512 headers initialise some results from themselves
// (`__m512 __Y = __Y;`, PR105593), which -W(maybe-)uninitialized reports once
// inlined here; the diagnostics are silenced for the headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "kiln/quant/sq/sq_distance_internal.h"

namespace kiln::quant::internal {
namespace {

__mmask16 TailMask(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1u); }

// Accumulates the 16 decoded components x against the query block q.
inline __m512 Accumulate(__m512 acc, __m512 q, __m512 x, bool ip) {
  if (ip) return _mm512_fmadd_ps(q, x, acc);
  const __m512 diff = _mm512_sub_ps(q, x);
  return _mm512_fmadd_ps(diff, diff, acc);
}

// Runs decode(code, i, mask) → 16 floats over all components of each code.
template <typename Decode>
void Run(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n, float* out,
         Decode decode) {
  const size_t d = a.d;
  const size_t full = d & ~size_t{15};
  const __mmask16 tail = TailMask(d - full);
  for (size_t j = 0; j < n; ++j) {
    const uint8_t* code = codes + j * a.code_size;
    __m512 acc = _mm512_setzero_ps();
    if (a.inner_product) {
      for (size_t i = 0; i < full; i += 16)
        acc = Accumulate(acc, _mm512_loadu_ps(a.query + i), decode(code, i, __mmask16(0xffff)),
                         true);
      if (tail)
        acc = Accumulate(acc, _mm512_maskz_loadu_ps(tail, a.query + full),
                         decode(code, full, tail), true);
    } else {
      for (size_t i = 0; i < full; i += 16)
        acc = Accumulate(acc, _mm512_loadu_ps(a.query + i), decode(code, i, __mmask16(0xffff)),
                         false);
      if (tail)
        acc = Accumulate(acc, _mm512_maskz_loadu_ps(tail, a.query + full),
                         decode(code, full, tail), false);
    }
    out[j] = _mm512_reduce_add_ps(acc);
  }
}

// Affine decode of 16 small integers c (int32 lanes), zero outside mask.
inline __m512 Affine(const SqDistanceComputer::Args& a, size_t i, __m512i c, __mmask16 mask) {
  const __m512 scale = _mm512_maskz_loadu_ps(mask, a.scale + i);
  const __m512 offset = _mm512_maskz_loadu_ps(mask, a.offset + i);
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), scale, offset);
}

}  // namespace

void SqDistancesU8Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                         float* out) {
  Run(a, codes, n, out, [&a](const uint8_t* code, size_t i, __mmask16 mask) {
    const __m128i bytes = _mm_maskz_loadu_epi8(mask, code + i);
    return Affine(a, i, _mm512_cvtepu8_epi32(bytes), mask);
  });
}

void SqDistancesU4Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                         float* out) {
  Run(a, codes, n, out, [&a](const uint8_t* code, size_t i, __mmask16 mask) {
    // Components i..i+15 live in bytes i/2 .. i/2+7 (i is a multiple of 16);
    // load only the bytes the mask needs: ceil(popcount/2).
    const unsigned comps = static_cast<unsigned>(__builtin_popcount(mask));
    const auto byte_mask = static_cast<__mmask16>((1u << ((comps + 1) / 2)) - 1u);
    const __m128i bytes = _mm_maskz_loadu_epi8(byte_mask, code + i / 2);
    // 16-bit lane k holds byte k: split into (low nibble, high nibble) bytes.
    const __m128i w = _mm_cvtepu8_epi16(bytes);
    const __m128i lo = _mm_and_si128(w, _mm_set1_epi16(0x0f));
    const __m128i hi = _mm_slli_epi16(_mm_srli_epi16(w, 4), 8);
    const __m128i nibbles = _mm_or_si128(lo, hi);  // byte 2k: comp 2k, byte 2k+1: comp 2k+1
    return Affine(a, i, _mm512_cvtepu8_epi32(nibbles), mask);
  });
}

void SqDistancesFp16Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                           float* out) {
  Run(a, codes, n, out, [](const uint8_t* code, size_t i, __mmask16 mask) {
    const __m256i h = _mm256_maskz_loadu_epi16(mask, code + 2 * i);
    return _mm512_cvtph_ps(h);
  });
}

void SqDistancesBf16Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                           float* out) {
  Run(a, codes, n, out, [](const uint8_t* code, size_t i, __mmask16 mask) {
    const __m256i h = _mm256_maskz_loadu_epi16(mask, code + 2 * i);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  });
}

}  // namespace kiln::quant::internal
