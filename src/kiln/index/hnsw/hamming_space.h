// The HNSW distance space over packed binary codes (Faiss IndexBinaryHNSW):
// the Hamming distance as a float, so the float graph walks and the build
// (hnsw_search.h, hnsw_build.h) run unchanged on it. Smaller is closer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/simd/hamming.h"

namespace kiln::index::hnsw {

class HammingSpace {
 public:
  // codes: n rows of code_size bytes, row id = node id.
  HammingSpace(const uint8_t* codes, size_t code_size)
      : codes_(codes), code_size_(code_size), kernels_(&simd::ActiveHammingKernels()) {}

  const uint8_t* Row(int32_t id) const { return codes_ + static_cast<size_t>(id) * code_size_; }
  void SetQueryCode(const uint8_t* q) { q_ = q; }
  void SetQueryNode(int32_t id) { q_ = Row(id); }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    kernels_->hamming_to_subset(q_, codes_, ids, n, code_size_, out);
  }
  float Between(int32_t a, int32_t b) const {
    return static_cast<float>(kernels_->hamming(Row(a), Row(b), code_size_));
  }

 private:
  const uint8_t* codes_;
  size_t code_size_;
  const simd::HammingKernels* kernels_;
  const uint8_t* q_ = nullptr;
};

}  // namespace kiln::index::hnsw
