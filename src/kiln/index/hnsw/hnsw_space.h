// Distance spaces for the HNSW walks (see hnsw_search.h): float rows (the
// build, and HNSW-Flat search) and scalar-quantizer codes (HNSW-SQ search).
// Distances are squared L2 or the negated inner product.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/quant/sq/sq_distance.h"
#include "kiln/simd/distances.h"

namespace kiln::index::hnsw {

// Float rows in up to two blocks: ids < n_first in `first`, the others in
// `second` (row id - n_first). One block: second = nullptr.
class FloatSpace {
 public:
  FloatSpace(const float* first, size_t n_first, const float* second, size_t d, bool inner_product)
      : first_(first), second_(second), n_first_(n_first), d_(d), inner_product_(inner_product),
        kernels_(&simd::ActiveKernels()) {}

  const float* Row(int32_t id) const {
    const auto i = static_cast<size_t>(id);
    return i < n_first_ ? first_ + i * d_ : second_ + (i - n_first_) * d_;
  }
  void SetQuery(const float* q) { q_ = q; }
  void SetQueryNode(int32_t id) { q_ = Row(id); }
  float Distance(const float* a, const float* b) const {
    return inner_product_ ? -kernels_->inner_product(a, b, d_) : kernels_->l2sqr(a, b, d_);
  }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    for (size_t j = 0; j < n; ++j) {
      if (j + 1 < n) Prefetch(Row(ids[j + 1]));
      out[j] = Distance(q_, Row(ids[j]));
    }
  }
  float Between(int32_t a, int32_t b) const { return Distance(Row(a), Row(b)); }
  // Prefetches a row's first KiB.
  void Prefetch(const float* row) const {
    const char* p = reinterpret_cast<const char*>(row);
    const size_t bytes = d_ * sizeof(float);
    for (size_t off = 0; off < bytes && off < 1024; off += 64) __builtin_prefetch(p + off);
  }

 private:
  const float* first_;
  const float* second_;
  size_t n_first_;
  size_t d_;
  bool inner_product_;
  const simd::DistanceKernels* kernels_;
  const float* q_ = nullptr;
};

// Scalar-quantizer codes of code_size bytes each (search only).
class SqSpace {
 public:
  SqSpace(const quant::ScalarQuantizer& sq, const uint8_t* codes, bool inner_product)
      : dc_(sq, inner_product), codes_(codes), code_size_(sq.code_size()),
        inner_product_(inner_product) {}

  void SetQuery(const float* q) { dc_.SetQuery(q); }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    for (size_t j = 0; j < n; ++j) {
      if (j + 1 < n) __builtin_prefetch(codes_ + static_cast<size_t>(ids[j + 1]) * code_size_);
      dc_.ToCodes(codes_ + static_cast<size_t>(ids[j]) * code_size_, 1, &out[j]);
      if (inner_product_) out[j] = -out[j];
    }
  }

 private:
  quant::SqDistanceComputer dc_;
  const uint8_t* codes_;
  size_t code_size_;
  bool inner_product_;
};

}  // namespace kiln::index::hnsw
