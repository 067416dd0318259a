// Distances from one float query to scalar-quantizer codes, without decoding
// the codes to memory: squared L2 (sum_i (q[i] - x[i])^2) or inner product
// (sum_i q[i]·x[i]), x the decoded code.
//
// The scalar level decodes each component exactly as ScalarQuantizer does
// (Faiss's DCTemplate). SIMD levels (AVX-512: 8-bit types, 4-bit types,
// fp16, bf16; other types use the scalar code) decode the affine form
// x[i] = scale[i]·c + offset[i] with fused multiply-adds, so they agree with
// the scalar level to float rounding (a few ulps of the terms' sum), not bit
// for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/quant/sq/scalar_quantizer.h"
#include "kiln/simd/simd_level.h"

namespace kiln::quant {

class SqDistanceComputer {
 public:
  // sq must be trained and outlive this object. level: the kernels to use.
  SqDistanceComputer(const ScalarQuantizer& sq, bool inner_product,
                     simd::SimdLevel level = simd::ActiveSimdLevel());

  // Sets the d-float query (copied).
  void SetQuery(const float* query);
  // out[j] = distance of the query to code j of the n consecutive codes.
  void ToCodes(const uint8_t* codes, size_t n, float* out) const;

  // The kernel's inputs (for the kernel files).
  struct Args {
    size_t d;
    size_t code_size;
    const float* query;
    const float* scale;   // per dimension; 8/4-bit types
    const float* offset;  // per dimension
    bool inner_product;
  };
  using Kernel = void (*)(const Args& args, const uint8_t* codes, size_t n, float* out);

 private:
  const ScalarQuantizer& sq_;
  bool inner_product_;
  Kernel kernel_ = nullptr;  // null: scalar reference
  std::vector<float> query_, scale_, offset_;
};

}  // namespace kiln::quant
