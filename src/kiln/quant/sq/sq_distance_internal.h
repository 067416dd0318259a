// Per-ISA kernels of SqDistanceComputer (internal to kiln_quant_sq).
#pragma once

#include "kiln/quant/sq/sq_distance.h"

namespace kiln::quant::internal {

// AVX-512 kernels (sq_distance_avx512.cc); code layouts as in scalar_quantizer.h.
void SqDistancesU8Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                         float* out);
void SqDistancesU4Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                         float* out);
void SqDistancesFp16Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                           float* out);
void SqDistancesBf16Avx512(const SqDistanceComputer::Args& a, const uint8_t* codes, size_t n,
                           float* out);

}  // namespace kiln::quant::internal
