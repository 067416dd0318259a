// Table-lookup (ADC) kernels over PQ codes, internal to kiln_quant_pq. Every
// level adds the M table entries of a code in order m = 0..M-1 starting from
// 0.0f, so all levels give bit-identical results.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/simd/simd_level.h"

namespace kiln::quant::internal {

// out[i] = sum_m table[m·256 + codes[i·M + m]] for nbits = 8 codes.
using Scan8Fn = void (*)(const float* table, size_t M, const uint8_t* codes, size_t n, float* out);

void Scan8Scalar(const float* table, size_t M, const uint8_t* codes, size_t n, float* out);
// AVX-512 (gathers); only call when the CPU supports AVX-512F.
void Scan8Avx512(const float* table, size_t M, const uint8_t* codes, size_t n, float* out);

// The kernel for `level` (capped at what the CPU supports).
Scan8Fn Scan8For(simd::SimdLevel level);

// Bit-packed codes of any nbits (1..12), scalar.
void ScanGeneric(const float* table, size_t M, size_t nbits, const uint8_t* codes, size_t n,
                 float* out);

}  // namespace kiln::quant::internal
