// Scalar reference ADC kernels and the dispatcher.
#include "kiln/quant/pq/pq_scan.h"

namespace kiln::quant::internal {

void Scan8Scalar(const float* table, size_t M, const uint8_t* codes, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* c = codes + i * M;
    float s = 0.0f;
    for (size_t m = 0; m < M; ++m) s += table[m * 256 + c[m]];
    out[i] = s;
  }
}

void ScanGeneric(const float* table, size_t M, size_t nbits, const uint8_t* codes, size_t n,
                 float* out) {
  const size_t code_size = (M * nbits + 7) / 8;
  const size_t ksub = size_t{1} << nbits;
  const uint64_t mask = ksub - 1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* c = codes + i * code_size;
    uint64_t acc = 0;
    size_t have = 0;
    float s = 0.0f;
    for (size_t m = 0; m < M; ++m) {
      while (have < nbits) {
        acc |= uint64_t{*c++} << have;
        have += 8;
      }
      s += table[m * ksub + (acc & mask)];
      acc >>= nbits;
      have -= nbits;
    }
    out[i] = s;
  }
}

Scan8Fn Scan8For(simd::SimdLevel level) {
#ifdef KILN_HAVE_PQ_AVX512
  static const simd::SimdLevel detected = simd::DetectedSimdLevel();
  if (level == simd::SimdLevel::kAvx512 && detected == simd::SimdLevel::kAvx512)
    return Scan8Avx512;
#else
  (void)level;
#endif
  return Scan8Scalar;
}

}  // namespace kiln::quant::internal
