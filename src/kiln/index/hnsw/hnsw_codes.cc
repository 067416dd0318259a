#include "kiln/index/hnsw/hnsw_codes.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

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

BuildCodes::BuildCodes(const FloatSpace& rows, size_t n, size_t d, bool inner_product,
                       ThreadPool& pool, const int32_t* order)
    : d_(d), inner_product_(inner_product), kernels_(&U8KernelsFor(simd::ActiveSimdLevel(), d)) {
  auto row = [&](size_t i) {
    return rows.Row(order != nullptr ? order[i] : static_cast<int32_t>(i));
  };
  // Per-component minimum and maximum (per worker, then merged).
  const auto nt = static_cast<size_t>(pool.num_threads());
  std::vector<float> lo(nt * d, std::numeric_limits<float>::infinity());
  std::vector<float> hi(nt * d, -std::numeric_limits<float>::infinity());
  pool.ParallelFor(n, kEncodeGrain, [&](size_t b, size_t e, int w) {
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
  offset_.assign(d, 0);
  float range = 0;
  for (size_t j = 0; j < d; ++j) {
    float l = lo[j], h = hi[j];
    for (size_t w = 1; w < nt; ++w) {
      l = std::min(l, lo[w * d + j]);
      h = std::max(h, hi[w * d + j]);
    }
    offset_[j] = n > 0 ? l : 0;
    if (n > 0) range = std::max(range, h - l);
  }
  scale_ = range > 0 ? range / 255.0f : 1.0f;
  // Integer-valued data whose largest range is at most 255 keeps a unit step.
  if (range > 0 && range <= 255.0f && range == std::floor(range)) scale_ = 1.0f;
  scale2_ = scale_ * scale_;
  for (float o : offset_) offset_sq_ += o * o;
  codes_.Resize(n * d);
  AdviseHugePages(codes_.data(), n * d);
  if (inner_product_) term_.resize(n);
  std::atomic<bool> exact{true};
  const float inv = 1.0f / scale_;
  pool.ParallelFor(n, kEncodeGrain, [&](size_t b, size_t e, int) {
    bool all_exact = true;
    for (size_t i = b; i < e; ++i) {
      const float* x = row(i);
      uint8_t* c = codes_.data() + i * d;
      float t = 0;
      for (size_t j = 0; j < d; ++j) {
        const float v = std::nearbyint((x[j] - offset_[j]) * inv);
        c[j] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
        all_exact = all_exact && offset_[j] + scale_ * static_cast<float>(c[j]) == x[j];
        t += offset_[j] * static_cast<float>(c[j]);
      }
      if (inner_product_) term_[i] = t;
    }
    if (!all_exact) exact.store(false, std::memory_order_relaxed);
  });
  exact_ = exact.load();
}

}  // namespace kiln::index::hnsw
