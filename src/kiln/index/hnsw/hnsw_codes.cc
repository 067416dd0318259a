#include "kiln/index/hnsw/hnsw_codes.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>

#include "kiln/base/check.h"
#include "kiln/base/memory_pages.h"
#include "kiln/index/hnsw/hnsw_memory.h"

namespace kiln::index::hnsw {
namespace {

uint64_t L2SqrScalar(const uint8_t* a, const uint8_t* b, size_t d) {
  uint64_t s = 0;
  for (size_t i = 0; i < d; ++i) {
    const int32_t t = static_cast<int32_t>(a[i]) - static_cast<int32_t>(b[i]);
    s += static_cast<uint64_t>(t * t);
  }
  return s;
}

uint64_t DotScalar(const uint8_t* a, const uint8_t* b, size_t d) {
  uint64_t s = 0;
  for (size_t i = 0; i < d; ++i) s += static_cast<uint64_t>(a[i]) * b[i];
  return s;
}

// Rows per ParallelFor chunk when encoding.
constexpr size_t kEncodeGrain = 1024;

}  // namespace

const U8Kernels& U8KernelsScalar() {
  static const U8Kernels kernels{L2SqrScalar, DotScalar};
  return kernels;
}

const U8Kernels& U8KernelsFor(simd::SimdLevel level, size_t d) {
  return level == simd::SimdLevel::kAvx512 && d <= kMaxAvx512D ? U8KernelsAvx512()
                                                                 : U8KernelsScalar();
}

BuildCodes::BuildCodes(size_t n, size_t d, bool inner_product)
    : n_(n),
      d_(d),
      inner_product_(inner_product),
      lo_(d, std::numeric_limits<float>::infinity()),
      hi_(d, -std::numeric_limits<float>::infinity()),
      kernels_(&U8KernelsFor(simd::ActiveSimdLevel(), d)) {}

BuildCodes::BuildCodes(const FloatSpace& rows, size_t n, size_t d, bool inner_product,
                       ThreadPool& pool, const int32_t* order)
    : BuildCodes(n, d, inner_product) {
  auto row = [&](size_t i) {
    return rows.Row(order != nullptr ? order[i] : static_cast<int32_t>(i));
  };
  ObserveRows(row, n, pool);
  EncodeRows(row, 0, n, pool);
}

void BuildCodes::ObserveRange(const float* rows, size_t m, ThreadPool& pool) {
  ObserveRows([&](size_t i) { return rows + i * d_; }, m, pool);
}

bool BuildCodes::Encode(const float* rows, size_t first, size_t m, ThreadPool& pool) {
  return EncodeRows([&](size_t i) { return rows + i * d_; }, first, m, pool);
}

template <class Row>
void BuildCodes::ObserveRows(const Row& row, size_t m, ThreadPool& pool) {
  KILN_CHECK(!encoding_);
  const size_t d = d_;
  // Per worker, then merged.
  const auto nt = static_cast<size_t>(pool.num_threads());
  std::vector<float> lo(nt * d, std::numeric_limits<float>::infinity());
  std::vector<float> hi(nt * d, -std::numeric_limits<float>::infinity());
  pool.ParallelFor(m, kEncodeGrain, [&](size_t b, size_t e, int w) {
    float* l = lo.data() + static_cast<size_t>(w) * d;
    float* h = hi.data() + static_cast<size_t>(w) * d;
    for (size_t i = b; i < e; ++i) {
      const float* x = row(i);
      for (size_t j = 0; j < d; ++j) {
        l[j] = std::min(l[j], x[j]);
        h[j] = std::max(h[j], x[j]);
      }
    }
  });
  for (size_t w = 0; w < nt; ++w) {
    for (size_t j = 0; j < d; ++j) {
      lo_[j] = std::min(lo_[j], lo[w * d + j]);
      hi_[j] = std::max(hi_[j], hi[w * d + j]);
    }
  }
}

void BuildCodes::FinishRange() {
  if (encoding_) return;
  encoding_ = true;
  offset_.assign(d_, 0);
  float range = 0;
  for (size_t j = 0; j < d_; ++j) {
    offset_[j] = n_ > 0 ? lo_[j] : 0;
    if (n_ > 0) range = std::max(range, hi_[j] - lo_[j]);
  }
  range_ = range;
  scale_ = range > 0 ? range / 255.0f : 1.0f;
  // Integer-valued data whose largest range is at most 255 keeps a unit step.
  if (range > 0 && range <= 255.0f && range == std::floor(range)) scale_ = 1.0f;
  scale2_ = scale_ * scale_;
  for (float o : offset_) offset_sq_ += o * o;
  codes_.Resize(n_ * d_);
  AdviseHugePages(codes_.data(), n_ * d_);
  if (inner_product_) term_.resize(n_);
}

template <class Row>
bool BuildCodes::EncodeRows(const Row& row, size_t first, size_t m, ThreadPool& pool) {
  FinishRange();
  KILN_CHECK(first + m <= n_);
  const size_t d = d_;
  std::atomic<bool> exact{true};
  const float inv = 1.0f / scale_;
  pool.ParallelFor(m, kEncodeGrain, [&](size_t b, size_t e, int) {
    bool all_exact = true;
    for (size_t i = b; i < e; ++i) {
      const float* x = row(i);
      uint8_t* c = codes_.data() + (first + i) * d;
      float t = 0;
      for (size_t j = 0; j < d; ++j) {
        const float v = std::nearbyint((x[j] - offset_[j]) * inv);
        c[j] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
        // Bitwise, so that decoding gives back the very bytes (-0.0 included).
        all_exact = all_exact && std::bit_cast<uint32_t>(offset_[j] + scale_ * static_cast<float>(c[j])) ==
                                     std::bit_cast<uint32_t>(x[j]);
        t += offset_[j] * static_cast<float>(c[j]);
      }
      if (inner_product_) term_[first + i] = t;
    }
    if (!all_exact) exact.store(false, std::memory_order_relaxed);
  });
  exact_ = exact_ && exact.load();
  return exact.load();
}

void BuildCodes::Decode(size_t first, size_t m, float* out, ThreadPool& pool) const {
  KILN_CHECK(encoding_ && first + m <= n_);
  const size_t d = d_;
  pool.ParallelFor(m, kEncodeGrain, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) {
      const uint8_t* c = codes_.data() + (first + i) * d;
      float* x = out + i * d;
      for (size_t j = 0; j < d; ++j) x[j] = offset_[j] + scale_ * static_cast<float>(c[j]);
    }
  });
}

void BuildCodes::Release(size_t first, size_t m) {
  KILN_CHECK(first + m <= n_);
  ReleaseWholePages(codes_.data() + first * d_, m * d_);
}

FineCodes::FineCodes(size_t n, size_t d, bool inner_product)
    : n_(n), d_(d), inner_product_(inner_product), offset_(d, 0.0f) {
  codes_.Resize(n * d);
  AdviseHugePages(codes_.data(), n * d * sizeof(uint16_t));
}

void FineCodes::Encode(const BuildCodes& codes, const float* rows, size_t first, size_t m,
                       ThreadPool& pool) {
  KILN_CHECK(first + m <= n_ && codes.d() == d_);
  offset_ = codes.offset();
  step_ = fine_grid::Step(codes);
  const float inv = 1.0f / step_;
  const size_t d = d_;
  pool.ParallelFor(m, kEncodeGrain, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) {
      const float* x = rows + i * d;
      uint16_t* c = codes_.data() + (first + i) * d;
      for (size_t j = 0; j < d; ++j) c[j] = fine_grid::Code(x[j], offset_[j], inv);
    }
  });
}

}  // namespace kiln::index::hnsw
