// Fused nearest-centroid assignment, FP32 AVX-512. This file alone is built
// with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma; assign.cc calls it
// only when simd::ActiveSimdLevel() is kAvx512.
//
// What it computes. For every point x and centroid c, v(x, c) = ||c||² - 2·x·c
// (||x||² is added once per point at the end), and per point the smallest v
// with its centroid index and the second smallest v. The n×k matrix of v is
// never stored: each v is folded into the running top-2 while it is still in a
// register.
//
// Data layout.
//  - Centroids are packed once per call (or once per AssignCentroids) into
//    panels of 16 centroids, dimension-major: panel[t][j] = c[16p + j][t], so
//    one aligned zmm load is coordinate t of 16 centroids. Missing centroids
//    of the last panel are zero with norm +inf and never win.
//  - Points are packed per block into tiles of 12 points. A tile is stored as
//    blocks of 16 dimensions, point-major inside a block:
//    tile[t / 16][r][t % 16] = x[r][t] (zero past d and for missing points).
//    Packing is then plain 64-byte copies, and inside a block of 16
//    dimensions every scalar the kernel broadcasts is at a constant offset
//    from one pointer (no per-point pointers, no transposes).
//
// Register blocking (micro-kernel). 12 points × 32 centroids (2 panels): 24
// zmm accumulators. Per dimension t: 2 panel loads, 12 broadcasts of x[r][t],
// 24 FMAs; FMA : load = 24 : 14, so the two FMA ports stay the bottleneck.
// A last odd panel uses 24 points × 16 centroids (two tiles, one panel), or
// 12 × 16 for a last single tile. d needs no padding: the full 16-dimension
// blocks are unrolled, the remainder runs a short loop.
//
// Cache blocking. assign.cc hands each thread blocks of up to 64 tiles (768
// points, at most ~512 KB packed) through the ThreadPool. Per block:
//  - Large centroid sets (packed panels > 1 MB, e.g. k = 4096 at d = 128):
//    pack the whole block (it stays in L2 with its top-2 state, 192 bytes a
//    point), then panel pairs outer, tiles inner: the current pair (2·16·d
//    floats, 16 KB at d = 128) stays in L1 while every tile of the block
//    streams past it from L2, and the centroids stream from L3 once per
//    block.
//  - Centroid sets that fit in L2 (k·d·4 <= 1 MB: small k, or k = 256 at
//    d = 784): one tile at a time, pack, run against every panel (streamed
//    from L2), finish. Here reading x from memory is a large share of the
//    time, so while a tile computes, its micro-kernel calls prefetch the next
//    tile's rows (a few cache lines per 16-dimension block), overlapping the
//    stream of x with the FMAs instead of stalling on it in the pack.
// Threads share nothing but the read-only inputs.
//
// Epilogue and the top-2 merge. After a tile has accumulated all d dimensions
// against a panel pair, each accumulator (point r, panel p; lane j holds
// centroid 16p + j) becomes v = norm - 2·acc (one FMA) and is merged into the
// point's lane-wise state: 16 lanes of running best b, second s and best
// index i, where lane j has seen exactly the centroids ≡ j (mod 16) so far:
//     lt = v < b;  s = min(max(b, v), s);  b = min(v, b);  i = lt ? idx : i.
// Centroids reach a lane in increasing index order and lt is strict, so an
// exact tie keeps the lower index. A NaN v changes nothing, as in the BLAS
// path's scan: the compare is ordered, and vminps/vmaxps return their second
// operand when either is NaN (max(b, NaN) = NaN, then min(NaN, s) = s). After the last
// panel, a point's global top-2 is the top-2 of its 16 (b, s) pairs: the best
// is min over lanes of b (ties: the lowest index among lanes at that value);
// the second is the smaller of that lane's s and every other lane's b.
//
// Determinism. A point's arithmetic (FMA order over t, then panels in
// increasing order) is the same whichever block, tile row or thread holds
// it, so results do not depend on the thread count or on scheduling.

// GCC 12's AVX-512 intrinsics initialise "undefined" operands from
// themselves (`__m512 __Y = __Y;`), which -Wuninitialized reports once they
// are inlined; the diagnostics point into the header, so silence them there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <new>

#include "kiln/linalg/assign_internal.h"

namespace kiln::linalg::internal {
namespace {

constexpr size_t kLanes = 16;                               // floats per zmm, = panel width
constexpr size_t kTileRows = 12;                            // points per tile
constexpr size_t kDimBlock = 16;                            // dimensions per tile block
constexpr size_t kTileBlockFloats = kTileRows * kDimBlock;  // 192
// Centroid sets up to this size (packed) run tile at a time; larger ones
// panel-pair outer over a whole block of tiles.
constexpr size_t kTileModePanelBytes = 1 << 20;
constexpr float kInf = __builtin_inff();
static_assert(kAssignPanelWidth == kLanes);
static_assert(kAssignTileRows == kTileRows);
static_assert(kAssignDimBlock == kDimBlock);

inline size_t MinSize(size_t a, size_t b) { return a < b ? a : b; }
inline float MaxFloat(float a, float b) { return a > b ? a : b; }

// Horizontal reductions, result in every lane. (GCC 12's _mm512_reduce_*
// trip -Wmaybe-uninitialized inside its own headers.)
inline __m512 AddAcrossLanes(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  v = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
}
inline __m512 MinAcrossLanes(__m512 v) {
  v = _mm512_min_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_min_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  v = _mm512_min_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm512_min_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
}
inline __m512i MinAcrossLanes(__m512i v) {
  v = _mm512_min_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_min_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  v = _mm512_min_epi32(v, _mm512_shuffle_epi32(v, _MM_PERM_BADC));
  return _mm512_min_epi32(v, _mm512_shuffle_epi32(v, _MM_PERM_CDAB));
}

// Running lane-wise top-2 of one point (see the file comment).
struct alignas(64) PointState {
  float best[kLanes];
  float second[kLanes];
  int32_t index[kLanes];
};

// A grow-only 64-byte aligned array. (Not kiln's AlignedBuffer: this file
// must not instantiate inline code shared with baseline translation units.)
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { Release(); }
  T* Reserve(size_t size) {
    if (size > size_) {
      Release();
      data_ = static_cast<T*>(::operator new(size * sizeof(T), std::align_val_t{64}));  // throws
      size_ = size;
    }
    return data_;
  }

 private:
  void Release() {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t{64});
    data_ = nullptr;
    size_ = 0;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
};

// Per-thread scratch, reused across calls. thread_local rather than indexed
// by worker so that nested (inline) ParallelFor calls cannot share it.
struct Scratch {
  Buffer<float> tiles;
  Buffer<PointState> state;
  Buffer<float> xnorm;
};
thread_local Scratch tls_scratch;

// Packs the m <= 12 points first.. of (x, rows) (see PointRow) into a tile
// (layout in the file comment) and writes their squared norms to xnorm[0, m).
void PackTile(const float* x, const uint32_t* rows, size_t first, size_t m, size_t d, float* tile, float* xnorm) {
  const size_t full = d / kDimBlock;
  const size_t rem = d % kDimBlock;
  const __mmask16 tail = static_cast<__mmask16>((1u << rem) - 1);
  const size_t nblocks = full + (rem != 0 ? 1 : 0);
  for (size_t r = 0; r < kTileRows; ++r) {
    float* dst = tile + r * kDimBlock;
    if (r >= m) {
      for (size_t b = 0; b < nblocks; ++b) _mm512_store_ps(dst + b * kTileBlockFloats, _mm512_setzero_ps());
      continue;
    }
    const float* src = PointRow(x, rows, first + r, d);
    __m512 acc = _mm512_setzero_ps();
    for (size_t b = 0; b < full; ++b) {
      const __m512 v = _mm512_loadu_ps(src + b * kDimBlock);
      _mm512_store_ps(dst + b * kTileBlockFloats, v);
      acc = _mm512_fmadd_ps(v, v, acc);
    }
    if (rem != 0) {
      const __m512 v = _mm512_maskz_loadu_ps(tail, src + full * kDimBlock);
      _mm512_store_ps(dst + full * kTileBlockFloats, v);
      acc = _mm512_fmadd_ps(v, v, acc);
    }
    xnorm[r] = _mm512_cvtss_f32(AddAcrossLanes(acc));
  }
}

// One step of the micro-kernel: dimension tt of the current 16-dimension
// block. xb points at the block in the first tile, tile_stride is the distance
// between consecutive tiles, c holds the panels' coordinate.
template <int kTiles, int kPanels>
inline __attribute__((always_inline)) void Step(__m512 (&acc)[kTiles * kTileRows][kPanels],
                                                const __m512 (&c)[kPanels], const float* xb,
                                                size_t tile_stride, size_t tt) {
#pragma GCC unroll 24
  for (int i = 0; i < kTiles * static_cast<int>(kTileRows); ++i) {
    const __m512 xv = _mm512_set1_ps(xb[(i / kTileRows) * tile_stride + (i % kTileRows) * kDimBlock + tt]);
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) acc[i][p] = _mm512_fmadd_ps(xv, c[p], acc[i][p]);
  }
}

// Software prefetch of the next tile's rows of x, spread over the dimension
// blocks of the micro-kernel calls that run the current tile (see
// AssignBlock). Addresses are kept as integers: the cursor may step past the
// end of x, where it prefetches nothing.
struct Prefetcher {
  uintptr_t next = 0;
  uintptr_t end = 0;
  size_t per_block = 0;  // cache lines per 16-dimension block; 0: off
  inline __attribute__((always_inline)) void Step() {
    for (size_t j = 0; j < per_block && next < end; ++j, next += 64)
      _mm_prefetch(reinterpret_cast<const char*>(next), _MM_HINT_T0);
  }
};

// The micro-kernel: kTiles tiles (12·kTiles points) × kPanels panels
// (16·kPanels centroids), all d dimensions, then the top-2 epilogue into
// state[0, 12·kTiles). panel points at the first panel (panels are d·16 floats
// apart), norms at its 16 norms, first_index is its first centroid index.
template <int kTiles, int kPanels>
void MicroKernel(const float* tile, size_t tile_stride, const float* panel, const float* norms,
                 int32_t first_index, size_t d, PointState* state, Prefetcher& pf) {
  constexpr int kRows = kTiles * static_cast<int>(kTileRows);
  const size_t panel_stride = d * kLanes;
  __m512 acc[kRows][kPanels];
#pragma GCC unroll 24
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) acc[i][p] = _mm512_setzero_ps();

  const size_t full = d / kDimBlock;
  const size_t rem = d % kDimBlock;
  const float* xb = tile;
  const float* cp = panel;
  for (size_t b = 0; b < full; ++b) {
    pf.Step();
#pragma GCC unroll 16
    for (size_t tt = 0; tt < kDimBlock; ++tt) {
      __m512 c[kPanels];
#pragma GCC unroll 2
      for (int p = 0; p < kPanels; ++p) c[p] = _mm512_load_ps(cp + p * panel_stride + tt * kLanes);
      Step<kTiles, kPanels>(acc, c, xb, tile_stride, tt);
    }
    xb += kTileBlockFloats;
    cp += kDimBlock * kLanes;
  }
  for (size_t tt = 0; tt < rem; ++tt) {
    __m512 c[kPanels];
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) c[p] = _mm512_load_ps(cp + p * panel_stride + tt * kLanes);
    Step<kTiles, kPanels>(acc, c, xb, tile_stride, tt);
  }

  // Epilogue: v = norm - 2·acc, merged into the lane-wise top-2.
  const __m512 two = _mm512_set1_ps(2.0f);
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512 norm[kPanels];
  __m512i index[kPanels];
#pragma GCC unroll 2
  for (int p = 0; p < kPanels; ++p) {
    norm[p] = _mm512_load_ps(norms + p * kLanes);
    index[p] = _mm512_add_epi32(_mm512_set1_epi32(first_index + p * static_cast<int32_t>(kLanes)), iota);
  }
#pragma GCC unroll 24
  for (int i = 0; i < kRows; ++i) {
    PointState& s = state[i];
    __m512 best = _mm512_load_ps(s.best);
    __m512 second = _mm512_load_ps(s.second);
    __m512i best_index = _mm512_load_si512(s.index);
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) {
      const __m512 v = _mm512_fnmadd_ps(acc[i][p], two, norm[p]);
      const __mmask16 lt = _mm512_cmp_ps_mask(v, best, _CMP_LT_OQ);
      second = _mm512_min_ps(_mm512_max_ps(best, v), second);
      best = _mm512_min_ps(v, best);
      best_index = _mm512_mask_mov_epi32(best_index, lt, index[p]);
    }
    _mm512_store_ps(s.best, best);
    _mm512_store_ps(s.second, second);
    _mm512_store_si512(s.index, best_index);
  }
}

void InitState(PointState* state, size_t count) {
  const __m512 inf = _mm512_set1_ps(kInf);
  for (size_t i = 0; i < count; ++i) {
    _mm512_store_ps(state[i].best, inf);
    _mm512_store_ps(state[i].second, inf);
    _mm512_store_si512(state[i].index, _mm512_setzero_si512());
  }
}

// Global top-2 of one point from its 16 lanes (see the file comment).
void FinishPoint(const PointState& s, float xnorm, size_t i, const AssignOutput& out) {
  const __m512 best = _mm512_load_ps(s.best);
  const __m512i index = _mm512_load_si512(s.index);
  const __m512 min_best = MinAcrossLanes(best);
  const __mmask16 at_min = _mm512_cmp_ps_mask(best, min_best, _CMP_EQ_OQ);
  const __m512i min_index =
      MinAcrossLanes(_mm512_mask_mov_epi32(_mm512_set1_epi32(INT32_MAX), at_min, index));
  const unsigned winners = at_min & _mm512_cmpeq_epi32_mask(index, min_index);
  const __mmask16 lane = static_cast<__mmask16>(winners & (0u - winners));  // lowest set bit
  // Other lanes contribute their best, the winning lane its second.
  const float second =
      _mm512_cvtss_f32(MinAcrossLanes(_mm512_mask_mov_ps(best, lane, _mm512_load_ps(s.second))));
  out.nearest[i] = _mm_cvtsi128_si32(_mm512_castsi512_si128(min_index));
  if (out.nearest_dist) out.nearest_dist[i] = MaxFloat(0.0f, _mm512_cvtss_f32(min_best) + xnorm);
  if (out.second_dist) out.second_dist[i] = second == kInf ? kInf : MaxFloat(0.0f, second + xnorm);
}

// Runs tiles [0, ntiles) against every panel: panel pairs outer, tiles inner.
void RunTiles(const float* tiles, size_t ntiles, size_t tile_floats, const float* panels,
              const float* panel_norms, size_t npanels, size_t d, PointState* state, Prefetcher& pf) {
  const size_t panel_floats = d * kLanes;
  size_t p = 0;
  for (; p + 2 <= npanels; p += 2) {
    const float* panel = panels + p * panel_floats;
    const float* norms = panel_norms + p * kLanes;
    const auto first = static_cast<int32_t>(p * kLanes);
    for (size_t t = 0; t < ntiles; ++t)
      MicroKernel<1, 2>(tiles + t * tile_floats, tile_floats, panel, norms, first, d, state + t * kTileRows,
                        pf);
  }
  if (p < npanels) {  // odd last panel
    const float* panel = panels + p * panel_floats;
    const float* norms = panel_norms + p * kLanes;
    const auto first = static_cast<int32_t>(p * kLanes);
    size_t t = 0;
    for (; t + 2 <= ntiles; t += 2)
      MicroKernel<2, 1>(tiles + t * tile_floats, tile_floats, panel, norms, first, d, state + t * kTileRows,
                        pf);
    if (t < ntiles)
      MicroKernel<1, 1>(tiles + t * tile_floats, tile_floats, panel, norms, first, d, state + t * kTileRows,
                        pf);
  }
}

// Assigns points [p0, p1) on the calling thread.
void AssignBlock(const float* x, const uint32_t* rows, size_t p0, size_t p1, const float* panels, const float* panel_norms,
                 size_t npanels, size_t d, const AssignOutput& out) {
  const size_t m = p1 - p0;
  const size_t ntiles = (m + kTileRows - 1) / kTileRows;
  const size_t nblocks = (d + kDimBlock - 1) / kDimBlock;
  const size_t tile_floats = nblocks * kTileBlockFloats;
  // Centroids that stay in L2: tile at a time (see the file comment).
  const bool tile_at_a_time = npanels * d * kLanes * sizeof(float) <= kTileModePanelBytes;
  const size_t sub_tiles = tile_at_a_time ? 1 : ntiles;
  Scratch& scratch = tls_scratch;
  float* tiles = scratch.tiles.Reserve(sub_tiles * tile_floats);
  PointState* state = scratch.state.Reserve(sub_tiles * kTileRows);
  float* xnorm = scratch.xnorm.Reserve(sub_tiles * kTileRows);
  const size_t calls_per_tile = npanels / 2 + npanels % 2;
  const size_t full_blocks = d / kDimBlock;

  for (size_t s0 = 0; s0 < ntiles; s0 += sub_tiles) {
    const size_t st = MinSize(sub_tiles, ntiles - s0);
    const size_t q0 = s0 * kTileRows;                   // first point of the sub-block
    const size_t sm = MinSize(st * kTileRows, m - q0);  // its points
    for (size_t t = 0; t < st; ++t) {
      const size_t r0 = t * kTileRows;
      PackTile(x, rows, p0 + q0 + r0, MinSize(kTileRows, sm - r0), d, tiles + t * tile_floats, xnorm + r0);
    }
    InitState(state, st * kTileRows);
    Prefetcher pf;
    if (rows == nullptr && tile_at_a_time && q0 + sm < m && full_blocks > 0) {
      // The next tile's rows are contiguous in x.
      const size_t bytes = MinSize(kTileRows, m - q0 - sm) * d * sizeof(float);
      const size_t lines = (bytes + 63) / 64;
      const size_t per_call = (lines + calls_per_tile - 1) / calls_per_tile;
      pf.next = reinterpret_cast<uintptr_t>(x + (p0 + q0 + sm) * d) & ~uintptr_t{63};
      pf.end = reinterpret_cast<uintptr_t>(x + (p0 + q0 + sm) * d) + bytes;
      pf.per_block = (per_call + full_blocks - 1) / full_blocks;
    }
    RunTiles(tiles, st, tile_floats, panels, panel_norms, npanels, d, state, pf);
    for (size_t i = 0; i < sm; ++i) FinishPoint(state[i], xnorm[i], p0 + q0 + i, out);
  }
}

}  // namespace

bool FusedAssignCompiled() { return true; }

void AssignFusedAvx512Block(const float* x, const uint32_t* rows, size_t begin, size_t end, const float* panels,
                            const float* panel_norms, size_t k, size_t d, const AssignOutput& out) {
  if (begin < end) AssignBlock(x, rows, begin, end, panels, panel_norms, AssignPanelCount(k), d, out);
}

}  // namespace kiln::linalg::internal
