#include "kiln/linalg/assign.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/check.h"
#include "kiln/linalg/assign_internal.h"
#include "kiln/linalg/gemm.h"
#include "kiln/simd/simd_level.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kiln::linalg {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- BLAS path: SGEMM per block of 128 points × 1024 centroids, then a scan
// of the block for the top-2 (the AVX2 / scalar fallback).
constexpr size_t kPointBlock = 128;
constexpr size_t kCentroidBlock = 1024;

// A point's running nearest and second-nearest value.
struct Top2 {
  float best;
  float second;
  idx_t index;
};

// Folds candidate (v, i) into t, where every candidate already in t has a lower
// index than i: ties keep t's index.
inline void Push(Top2& t, float v, idx_t i) {
  if (v < t.second) {
    if (v < t.best) {
      t.second = t.best;
      t.best = v;
      t.index = i;
    } else {
      t.second = v;
    }
  }
}

// Folds v_j = row[j] + norms[j] for centroid first + j, j in [0, count), into
// t, whose candidates all have indices below first. The same result as
// pushing the v_j in order: with SSE2 (baseline x86-64), four lanes keep a
// running top-2 of the centroids ≡ lane (mod 4), as in the fused kernel, and
// are merged (ties to the lower index) before the scalar tail.
inline void ScanRow(const float* row, const float* norms, size_t count, idx_t first, Top2& t) {
  size_t j = 0;
#if defined(__SSE2__)
  if (count >= 8) {
    __m128 b = _mm_set1_ps(kInf), s = b;
    __m128i bi = _mm_setzero_si128();
    __m128i idx = _mm_setr_epi32(0, 1, 2, 3);
    const __m128i four = _mm_set1_epi32(4);
    for (; j + 4 <= count; j += 4) {
      const __m128 v = _mm_add_ps(_mm_loadu_ps(row + j), _mm_loadu_ps(norms + j));
      const __m128i lt = _mm_castps_si128(_mm_cmplt_ps(v, b));
      s = _mm_min_ps(_mm_max_ps(b, v), s);  // NaN v: max gives NaN, min gives s
      b = _mm_min_ps(v, b);                 // NaN v: b
      bi = _mm_or_si128(_mm_and_si128(lt, idx), _mm_andnot_si128(lt, bi));
      idx = _mm_add_epi32(idx, four);
    }
    alignas(16) float lb[4], ls[4];
    alignas(16) int32_t li[4];
    _mm_store_ps(lb, b);
    _mm_store_ps(ls, s);
    _mm_store_si128(reinterpret_cast<__m128i*>(li), bi);
    for (int lane = 0; lane < 4; ++lane) {
      const idx_t i = first + li[lane];
      if (lb[lane] < t.best || (lb[lane] == t.best && i < t.index)) {
        t.second = std::min(t.best, ls[lane]);
        t.best = lb[lane];
        t.index = i;
      } else {
        t.second = std::min(t.second, lb[lane]);
      }
    }
  }
#endif
  for (; j < count; ++j) Push(t, row[j] + norms[j], first + static_cast<idx_t>(j));
}

void AssignBlas(const float* x, const uint32_t* rows, size_t n, const float* centroids,
                const float* centroid_norms, size_t k, size_t d, const AssignOutput& out, ThreadPool& pool) {
  const size_t cb = std::min(kCentroidBlock, k);
  pool.ParallelFor(n, kPointBlock, [&](size_t p0, size_t p1, int /*worker*/) {
    // Per thread, not per worker: nested ParallelFor calls run inline with
    // worker 0 on several threads.
    thread_local AlignedBuffer<float> scratch, gathered;
    if (scratch.size() < kPointBlock * cb) scratch.Resize(kPointBlock * cb);
    const size_t m = p1 - p0;
    const float* xb = x + p0 * d;  // the block's points, contiguous
    if (rows != nullptr) {
      if (gathered.size() < kPointBlock * d) gathered.Resize(kPointBlock * d);
      for (size_t i = 0; i < m; ++i) std::memcpy(gathered.data() + i * d, internal::PointRow(x, rows, p0 + i, d), d * sizeof(float));
      xb = gathered.data();
    }
    float* ip = scratch.data();
    Top2 top[kPointBlock];
    std::fill(top, top + m, Top2{kInf, kInf, 0});
    for (size_t c0 = 0; c0 < k; c0 += cb) {
      const size_t mc = std::min(cb, k - c0);
      SgemmNT(m, mc, d, -2.0f, xb, d, centroids + c0 * d, d, 0.0f, ip, mc);
      for (size_t i = 0; i < m; ++i)
        ScanRow(ip + i * mc, centroid_norms + c0, mc, static_cast<idx_t>(c0), top[i]);
    }
    for (size_t i = 0; i < m; ++i) {
      const float* p = xb + i * d;
      float xn = 0;
      for (size_t t = 0; t < d; ++t) xn += p[t] * p[t];
      out.nearest[p0 + i] = top[i].index;
      if (out.nearest_dist) out.nearest_dist[p0 + i] = std::max(0.0f, top[i].best + xn);
      if (out.second_dist)
        out.second_dist[p0 + i] = top[i].second == kInf ? kInf : std::max(0.0f, top[i].second + xn);
    }
  });
}

// ---- Fused path: threading and block sizes (the kernel is assign_avx512.cc).
//
// Threads take blocks of points from the ThreadPool: multiples of the
// 12-point tile, at most kFusedBlockBytes packed (so that a block plus its
// top-2 state, 192 bytes a point, stays in L2; see assign_avx512.cc for what
// a block does). When n is small the blocks shrink so that every thread gets
// about four. Block boundaries do not change any result.
constexpr size_t kFusedBlockBytes = 512 * 1024;
constexpr size_t kFusedMaxBlockTiles = 64;

void AssignFused(const float* x, const uint32_t* rows, size_t n, const float* panels, const float* panel_norms, size_t k, size_t d,
                 const AssignOutput& out, ThreadPool& pool) {
  if (n == 0) return;
  KILN_CHECK(k >= 1 && k <= static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 64);
  const size_t tile_bytes = (d + internal::kAssignDimBlock - 1) / internal::kAssignDimBlock *
                            internal::kAssignDimBlock * internal::kAssignTileRows * sizeof(float);
  size_t block_tiles = std::clamp<size_t>(kFusedBlockBytes / tile_bytes, 1, kFusedMaxBlockTiles);
  const size_t ntiles = (n + internal::kAssignTileRows - 1) / internal::kAssignTileRows;
  const auto threads = static_cast<size_t>(pool.num_threads());
  if (threads > 1)
    block_tiles = std::clamp<size_t>((ntiles + 4 * threads - 1) / (4 * threads), 1, block_tiles);
  pool.ParallelFor(n, block_tiles * internal::kAssignTileRows, [&](size_t p0, size_t p1, int /*worker*/) {
    internal::AssignFusedAvx512Block(x, rows, p0, p1, panels, panel_norms, k, d, out);
  });
}

AssignPath ResolvePath(AssignPath path, size_t k, size_t d) {
  if (path == AssignPath::kAuto) {
    if (d >= internal::kAmxMinDim && k >= internal::kAmxMinCentroids && k * d >= internal::kAmxMinWork &&
        AmxAssignAvailable())
      return AssignPath::kAmx;
    return FusedAssignAvailable() ? AssignPath::kFused : AssignPath::kBlas;
  }
  if (path == AssignPath::kFused) KILN_CHECK(FusedAssignAvailable());
  if (path == AssignPath::kAmx) KILN_CHECK(AmxAssignAvailable());
  return path;
}

}  // namespace

namespace internal {

void PackAssignPanels(const float* centroids, const float* centroid_norms, size_t k, size_t d, float* panels,
                      float* panel_norms, ThreadPool& pool) {
  constexpr size_t w = kAssignPanelWidth;
  pool.ParallelFor(AssignPanelCount(k), 16, [&](size_t b, size_t e, int /*worker*/) {
    for (size_t p = b; p < e; ++p) {
      float* dst = panels + p * d * w;
      for (size_t j = 0; j < w; ++j) {
        const size_t c = p * w + j;
        if (c < k) {
          const float* src = centroids + c * d;
          for (size_t t = 0; t < d; ++t) dst[t * w + j] = src[t];
          panel_norms[c] = centroid_norms[c];
        } else {
          for (size_t t = 0; t < d; ++t) dst[t * w + j] = 0.0f;
          panel_norms[c] = kInf;
        }
      }
    }
  });
}

#ifndef KILN_HAVE_ASSIGN_AVX512
bool FusedAssignCompiled() { return false; }
void AssignFusedAvx512Block(const float*, const uint32_t*, size_t, size_t, const float*, const float*, size_t, size_t,
                            const AssignOutput&) {
  KILN_CHECK(false && "assign_avx512.cc is not compiled into this build");
}
#endif

}  // namespace internal

bool FusedAssignAvailable() {
  static const bool available =
      internal::FusedAssignCompiled() && simd::ActiveSimdLevel() == simd::SimdLevel::kAvx512;
  return available;
}

void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms, size_t k,
                   size_t d, const AssignOutput& out, ThreadPool& pool) {
  AssignNearest(x, n, centroids, centroid_norms, k, d, out, pool, AssignPath::kAuto);
}

void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms, size_t k,
                   size_t d, const AssignOutput& out, ThreadPool& pool, AssignPath path) {
  if (n == 0) return;
  if (ResolvePath(path, k, d) == AssignPath::kBlas) {
    AssignBlas(x, nullptr, n, centroids, centroid_norms, k, d, out, pool);
    return;
  }
  // Packing is O(k·d), against O(n·k·d) for the assignment.
  AssignCentroids packed(centroids, centroid_norms, k, d, pool, ResolvePath(path, k, d));
  AssignNearest(x, n, packed, out, pool);
}

AssignCentroids::AssignCentroids(const float* centroids, const float* centroid_norms, size_t k, size_t d,
                                 ThreadPool& pool, AssignPath path)
    : k_(k), d_(d), path_(ResolvePath(path, k, d)) {
  KILN_CHECK(k >= 1);
  if (path_ == AssignPath::kAmx) {
    data_.Resize(k * d);
    std::memcpy(data_.data(), centroids, k * d * sizeof(float));
    internal::PackAmxCentroids(centroids, k, d, pool, amx_panels_, norms_, amx_mean_);
  } else if (path_ == AssignPath::kFused) {
    const size_t padded = internal::AssignPanelCount(k) * internal::kAssignPanelWidth;
    data_.Resize(padded * d);
    norms_.Resize(padded);
    internal::PackAssignPanels(centroids, centroid_norms, k, d, data_.data(), norms_.data(), pool);
  } else {
    data_.Resize(k * d);
    norms_.Resize(k);
    if (d > 0) std::memcpy(data_.data(), centroids, k * d * sizeof(float));
    std::memcpy(norms_.data(), centroid_norms, k * sizeof(float));
  }
}

void AssignNearest(const float* x, size_t n, const AssignCentroids& centroids, const AssignOutput& out,
                   ThreadPool& pool) {
  AssignNearestRows(x, nullptr, n, centroids, out, pool);
}

void AssignNearestRows(const float* x, const uint32_t* rows, size_t n, const AssignCentroids& centroids,
                       const AssignOutput& out, ThreadPool& pool) {
  if (centroids.path_ == AssignPath::kAmx) {
    internal::AmxCentroids c;
    c.centroids = centroids.data_.data();
    c.panels = centroids.amx_panels_.data();
    c.norms = centroids.norms_.data();
    c.mean = centroids.amx_mean_.data();
    c.k = centroids.k_;
    c.d = centroids.d_;
    c.padded_d = (centroids.d_ + 31) / 32 * 32;
    c.pairs = (centroids.k_ + 31) / 32;
    internal::AssignAmx(x, rows, n, c, out, pool);
  } else if (centroids.path_ == AssignPath::kFused) {
    AssignFused(x, rows, n, centroids.data_.data(), centroids.norms_.data(), centroids.k_, centroids.d_, out, pool);
  } else {
    AssignBlas(x, rows, n, centroids.data_.data(), centroids.norms_.data(), centroids.k_, centroids.d_, out, pool);
  }
}

}  // namespace kiln::linalg
