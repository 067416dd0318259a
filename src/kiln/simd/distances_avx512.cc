// AVX-512 kernels (16 floats per register). This file alone is compiled with
// -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -ffp-contract=off (see
// CMakeLists.txt); the dispatcher hands its table out only when the CPU has
// those features. Everything but the table has internal linkage, so no
// AVX-512 instruction can reach baseline code through a shared inline
// function: call nothing here that is defined inline in a header.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kiln/simd/distances.h"
#include "kiln/simd/distances_internal.h"

namespace kiln::simd {
namespace {

constexpr size_t kLanes = 16;
// Rows prefetched ahead by the subset kernels, and bytes prefetched per row
// (the hardware streamer follows longer rows).
constexpr size_t kPrefetchAheadRows = 8;
constexpr size_t kPrefetchBytes = 1024;

enum class Metric { kL2, kInnerProduct };

// Lanes [0, rem) set; rem in [1, kLanes).
__mmask16 TailMask(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1u); }

// acc + (x - y)^2 or acc + x * y, fused.
template <Metric M>
__m512 Accumulate(__m512 x, __m512 y, __m512 acc) {
  if constexpr (M == Metric::kL2) {
    const __m512 t = _mm512_sub_ps(x, y);
    return _mm512_fmadd_ps(t, t, acc);
  } else {
    return _mm512_fmadd_ps(x, y, acc);
  }
}

// Adds the two 256-bit halves. (Not _mm512_castps512_ps256 or
// _mm512_reduce_add_ps: GCC 12.2 headers trip -Wuninitialized there, PR105593.)
__m256 FoldHalves(__m512 v) {
  return _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
}

float HorizontalSum(__m512 v) {
  const __m256 h = FoldHalves(v);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// [sum(v0), sum(v1), sum(v2), sum(v3)].
__m128 HorizontalSum4(__m512 v0, __m512 v1, __m512 v2, __m512 v3) {
  // hadd(hadd(h0, h1), hadd(h2, h3)) holds [h0..h3 low halves | h0..h3 high halves].
  const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(FoldHalves(v0), FoldHalves(v1)),
                                  _mm256_hadd_ps(FoldHalves(v2), FoldHalves(v3)));
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// sum_i term(x[i], y[i]) with four independent accumulators.
template <Metric M>
float Reduce(const float* x, const float* y, size_t d) {
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps();
  __m512 acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 4 * kLanes <= d; i += 4 * kLanes) {
    acc0 = Accumulate<M>(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
    acc1 = Accumulate<M>(_mm512_loadu_ps(x + i + kLanes), _mm512_loadu_ps(y + i + kLanes), acc1);
    acc2 = Accumulate<M>(_mm512_loadu_ps(x + i + 2 * kLanes), _mm512_loadu_ps(y + i + 2 * kLanes),
                         acc2);
    acc3 = Accumulate<M>(_mm512_loadu_ps(x + i + 3 * kLanes), _mm512_loadu_ps(y + i + 3 * kLanes),
                         acc3);
  }
  // Up to three whole registers, then a masked tail, each on its own accumulator.
  if (i + kLanes <= d) {
    acc0 = Accumulate<M>(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
    i += kLanes;
  }
  if (i + kLanes <= d) {
    acc1 = Accumulate<M>(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc1);
    i += kLanes;
  }
  if (i + kLanes <= d) {
    acc2 = Accumulate<M>(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc2);
    i += kLanes;
  }
  if (i < d) {
    const __mmask16 m = TailMask(d - i);
    acc3 = Accumulate<M>(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc3);
  }
  return HorizontalSum(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// out[k] = Reduce<M>(q, yk, d) for four rows, loading each chunk of q once.
// Two chunks per step: eight independent accumulators.
template <Metric M>
void Reduce4(const float* q, const float* y0, const float* y1, const float* y2, const float* y3,
             size_t d, float* out) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
  __m512 b2 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 2 * kLanes <= d; i += 2 * kLanes) {
    const __m512 qa = _mm512_loadu_ps(q + i);
    const __m512 qb = _mm512_loadu_ps(q + i + kLanes);
    a0 = Accumulate<M>(qa, _mm512_loadu_ps(y0 + i), a0);
    a1 = Accumulate<M>(qa, _mm512_loadu_ps(y1 + i), a1);
    a2 = Accumulate<M>(qa, _mm512_loadu_ps(y2 + i), a2);
    a3 = Accumulate<M>(qa, _mm512_loadu_ps(y3 + i), a3);
    b0 = Accumulate<M>(qb, _mm512_loadu_ps(y0 + i + kLanes), b0);
    b1 = Accumulate<M>(qb, _mm512_loadu_ps(y1 + i + kLanes), b1);
    b2 = Accumulate<M>(qb, _mm512_loadu_ps(y2 + i + kLanes), b2);
    b3 = Accumulate<M>(qb, _mm512_loadu_ps(y3 + i + kLanes), b3);
  }
  if (i + kLanes <= d) {
    const __m512 qa = _mm512_loadu_ps(q + i);
    a0 = Accumulate<M>(qa, _mm512_loadu_ps(y0 + i), a0);
    a1 = Accumulate<M>(qa, _mm512_loadu_ps(y1 + i), a1);
    a2 = Accumulate<M>(qa, _mm512_loadu_ps(y2 + i), a2);
    a3 = Accumulate<M>(qa, _mm512_loadu_ps(y3 + i), a3);
    i += kLanes;
  }
  if (i < d) {
    const __mmask16 m = TailMask(d - i);
    const __m512 qb = _mm512_maskz_loadu_ps(m, q + i);
    b0 = Accumulate<M>(qb, _mm512_maskz_loadu_ps(m, y0 + i), b0);
    b1 = Accumulate<M>(qb, _mm512_maskz_loadu_ps(m, y1 + i), b1);
    b2 = Accumulate<M>(qb, _mm512_maskz_loadu_ps(m, y2 + i), b2);
    b3 = Accumulate<M>(qb, _mm512_maskz_loadu_ps(m, y3 + i), b3);
  }
  _mm_storeu_ps(out, HorizontalSum4(_mm512_add_ps(a0, b0), _mm512_add_ps(a1, b1),
                                    _mm512_add_ps(a2, b2), _mm512_add_ps(a3, b3)));
}

template <Metric M>
void ToMany(const float* q, const float* base, size_t n, size_t d, float* out) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* y = base + j * d;
    Reduce4<M>(q, y, y + d, y + 2 * d, y + 3 * d, d, out + j);
  }
  for (; j < n; ++j) out[j] = Reduce<M>(q, base + j * d, d);
}

void PrefetchRow(const float* row, size_t d) {
  const char* p = reinterpret_cast<const char*>(row);
  const size_t bytes = d * sizeof(float) < kPrefetchBytes ? d * sizeof(float) : kPrefetchBytes;
  if (bytes == 0) return;
  for (size_t off = 0; off < bytes; off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
  _mm_prefetch(p + bytes - 1, _MM_HINT_T0);  // the last line when the row is not line-aligned
}

template <Metric M>
void ToSubset(const float* q, const float* base, const int64_t* ids, size_t n, size_t d,
              float* out) {
  auto row = [&](size_t j) { return base + static_cast<size_t>(ids[j]) * d; };
  for (size_t k = 0; k < n && k < kPrefetchAheadRows; ++k) PrefetchRow(row(k), d);
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    for (size_t k = j + kPrefetchAheadRows; k < j + kPrefetchAheadRows + 4 && k < n; ++k) {
      PrefetchRow(row(k), d);
    }
    Reduce4<M>(q, row(j), row(j + 1), row(j + 2), row(j + 3), d, out + j);
  }
  for (; j < n; ++j) out[j] = Reduce<M>(q, row(j), d);
}

float L2SqrAvx512(const float* a, const float* b, size_t d) { return Reduce<Metric::kL2>(a, b, d); }

float InnerProductAvx512(const float* a, const float* b, size_t d) {
  return Reduce<Metric::kInnerProduct>(a, b, d);
}

float NormSqrAvx512(const float* a, size_t d) { return Reduce<Metric::kInnerProduct>(a, a, d); }

// Multiply, then add: rounded exactly as the scalar loop.
void FvecMaddAvx512(size_t d, const float* a, float bf, const float* b, float* c) {
  const __m512 f = _mm512_set1_ps(bf);
  size_t i = 0;
  for (; i + kLanes <= d; i += kLanes) {
    _mm512_storeu_ps(
        c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_mul_ps(f, _mm512_loadu_ps(b + i))));
  }
  if (i < d) {
    const __mmask16 m = TailMask(d - i);
    _mm512_mask_storeu_ps(c + i, m,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i),
                                        _mm512_mul_ps(f, _mm512_maskz_loadu_ps(m, b + i))));
  }
}

void AddRowsToDoubleAvx512(const float* base, const uint32_t* rows, size_t n, size_t d, double* sum) {
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchAheadRows < n) {
      const char* ahead = reinterpret_cast<const char*>(base + static_cast<size_t>(rows[i + kPrefetchAheadRows]) * d);
      for (size_t b = 0; b < d * sizeof(float) && b < kPrefetchBytes; b += 64) _mm_prefetch(ahead + b, _MM_HINT_T0);
    }
    const float* row = base + static_cast<size_t>(rows[i]) * d;
    size_t t = 0;
    for (; t + 8 <= d; t += 8)
      _mm512_storeu_pd(sum + t, _mm512_add_pd(_mm512_loadu_pd(sum + t), _mm512_maskz_cvtps_pd(__mmask8(0xFF), _mm256_loadu_ps(row + t))));
    for (; t < d; ++t) sum[t] += row[t];
  }
}

}  // namespace

namespace internal {

constinit const DistanceKernels kAvx512Kernels = {
    .l2sqr = L2SqrAvx512,
    .inner_product = InnerProductAvx512,
    .norm_sqr = NormSqrAvx512,
    .l2sqr_to_many = ToMany<Metric::kL2>,
    .inner_product_to_many = ToMany<Metric::kInnerProduct>,
    .fvec_madd = FvecMaddAvx512,
    .l2sqr_to_subset = ToSubset<Metric::kL2>,
    .inner_product_to_subset = ToSubset<Metric::kInnerProduct>,
    .l2sqr_batch4 = Reduce4<Metric::kL2>,
    .add_rows_to_double = AddRowsToDoubleAvx512,
};

}  // namespace internal
}  // namespace kiln::simd
