// SqDistanceComputer: the scalar reference and the choice of SIMD kernel.
#include "kiln/quant/sq/sq_distance.h"

#include <cstring>

#include "kiln/base/check.h"
#include "kiln/quant/sq/sq_distance_internal.h"

namespace kiln::quant {

SqDistanceComputer::SqDistanceComputer(const ScalarQuantizer& sq, bool inner_product,
                                       simd::SimdLevel level)
    : sq_(sq), inner_product_(inner_product), query_(sq.d()) {
  KILN_CHECK(sq.is_trained());
  if (level < simd::SimdLevel::kAvx512) return;
  const size_t d = sq.d();
  const SqType t = sq.type();
  const std::vector<float>& tr = sq.trained();
  if (t == SqType::kFp16) {
    kernel_ = internal::SqDistancesFp16Avx512;
  } else if (t == SqType::kBf16) {
    kernel_ = internal::SqDistancesBf16Avx512;
  } else if (t == SqType::k8bit || t == SqType::k8bitUniform || t == SqType::k4bit ||
             t == SqType::k4bitUniform || t == SqType::k8bitDirect) {
    // x = vmin + (c + 0.5)/levels · vdiff = c·scale + offset.
    scale_.resize(d);
    offset_.resize(d);
    const bool four = t == SqType::k4bit || t == SqType::k4bitUniform;
    const bool uniform = t == SqType::k8bitUniform || t == SqType::k4bitUniform;
    const float levels = four ? 15.0f : 255.0f;
    for (size_t i = 0; i < d; ++i) {
      if (t == SqType::k8bitDirect) {
        scale_[i] = 1.0f;
        offset_[i] = 0.0f;
        continue;
      }
      const float vmin = uniform ? tr[0] : tr[i];
      const float vdiff = uniform ? tr[1] : tr[d + i];
      scale_[i] = vdiff / levels;
      offset_[i] = vmin + 0.5f * vdiff / levels;
    }
    kernel_ = four ? internal::SqDistancesU4Avx512 : internal::SqDistancesU8Avx512;
  }
}

void SqDistanceComputer::SetQuery(const float* query) {
  std::memcpy(query_.data(), query, query_.size() * sizeof(float));
}

void SqDistanceComputer::ToCodes(const uint8_t* codes, size_t n, float* out) const {
  const size_t d = sq_.d(), cs = sq_.code_size();
  if (kernel_ != nullptr) {
    const Args args{d, cs, query_.data(), scale_.data(), offset_.data(), inner_product_};
    kernel_(args, codes, n, out);
    return;
  }
  // Scalar reference: Faiss's DCTemplate (exact decode, sequential sum).
  for (size_t j = 0; j < n; ++j) {
    const uint8_t* code = codes + j * cs;
    float acc = 0.0f;
    if (inner_product_) {
      for (size_t i = 0; i < d; ++i) acc += query_[i] * sq_.DecodeComponent(code, i);
    } else {
      for (size_t i = 0; i < d; ++i) {
        const float diff = query_[i] - sq_.DecodeComponent(code, i);
        acc += diff * diff;
      }
    }
    out[j] = acc;
  }
}

}  // namespace kiln::quant
