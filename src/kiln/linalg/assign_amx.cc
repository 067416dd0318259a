// Nearest-centroid assignment on AMX tiles (BF16 products, FP32 re-ranking).
// This file alone is built with AMX-TILE/AMX-BF16 and AVX-512 flags; assign.cc
// calls it only when AmxAssignAvailable() (CPU support, kernel permission for
// the tile state, KILN_SIMD at avx512, KILN_AMX not 0).
//
// What it computes. Candidates first, in BF16: with μ the mean of the
// centroids, x' = bf16(x − μ) and c' = bf16(c − μ) (distances do not change
// under translation, and centring shrinks the magnitudes the BF16 rounding is
// relative to), v(x, c) = ||c − μ||² − 2·x'·c' is accumulated in FP32 by
// TDPBF16PS, 32 points × 32 centroids per tile step. Every v is folded at once
// into a lane-wise top-2 per point (lane j sees centroids ≡ j mod 16) with its
// indices. Then the point's kAmxCandidates smallest v among those 32 pairs are
// re-scored exactly in FP32 as ||x − c||², and nearest / second are the two
// smallest exact distances (ties: lower index). So the distances reported are
// exact for the centroids reported; a centroid is missed only when its BF16
// score misorders it against kAmxCandidates others, i.e. for distances equal
// to about 1e-3 relative — the same class of near ties on which FP32 paths
// differ by summation order, only wider.
//
// Tiles (palette 1, all 16 rows × 64 bytes): tmm0..3 accumulators C[2][2]
// (16 points × 16 centroids each), tmm4/5 point rows (16 points × 32 dims),
// tmm6/7 centroid panels (16 centroids × 32 dims, VNNI pairs: row r holds dims
// 2r and 2r+1 of each centroid). Per 32 dims: 4 tile loads, 4 TDPBF16PS.
//
// Cache blocking: the caller hands a block of points (a multiple of 32 rows,
// converted here to BF16, a few hundred KB at most); centroid panels are taken
// in chunks of about 256 KB (they stay in L2) and every 32-point group of the
// block runs against the chunk before the next chunk. Results depend only on
// the point and the centroids, never on the block or the thread.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "kiln/linalg/assign_internal.h"

namespace kiln::linalg::internal {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kGroup = 32;  // points per tile step (two A tiles)
constexpr size_t kChunkBytes = 256 * 1024;
constexpr float kInf = __builtin_inff();

struct TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

void LoadTileConfig() {
  TileConfig cfg;
  std::memset(&cfg, 0, sizeof(cfg));
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
}

// Round-to-nearest-even FP32 → BF16 of 32 values (x[t] − mean[t]); lanes at or
// past `count` become 0.
inline void ConvertCentred(const float* x, const float* mean, size_t count, uint16_t* out) {
  const __mmask16 m0 = count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1);
  const size_t c1 = count > 16 ? count - 16 : 0;
  const __mmask16 m1 = c1 >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << c1) - 1);
  const __m512 a = _mm512_sub_ps(_mm512_maskz_loadu_ps(m0, x), _mm512_maskz_loadu_ps(m0, mean));
  const __m512 b = _mm512_sub_ps(_mm512_maskz_loadu_ps(m1, x + 16), _mm512_maskz_loadu_ps(m1, mean + 16));
  _mm512_storeu_si512(out, (__m512i)_mm512_cvtne2ps_pbh(b, a));
}

// A point's lane-wise state, held in registers while a row of scores is
// folded in.
struct LaneState {
  __m512 best, second;
  __m512i best_id, second_id;
};

// Folds 16 scores v of centroids `ids` into the state: a lane's new best is
// the smaller of its best and v; the one displaced (or v) competes for second.
inline void Fold(__m512 v, __m512i ids, LaneState& st) {
  const __mmask16 lt_b = _mm512_cmp_ps_mask(v, st.best, _CMP_LT_OQ);
  const __mmask16 lt_s = _mm512_cmp_ps_mask(v, st.second, _CMP_LT_OQ);
  st.second = _mm512_mask_mov_ps(st.second, lt_s, v);
  st.second_id = _mm512_mask_mov_epi32(st.second_id, lt_s, ids);
  st.second = _mm512_mask_mov_ps(st.second, lt_b, st.best);
  st.second_id = _mm512_mask_mov_epi32(st.second_id, lt_b, st.best_id);
  st.best = _mm512_mask_mov_ps(st.best, lt_b, v);
  st.best_id = _mm512_mask_mov_epi32(st.best_id, lt_b, ids);
}

inline float ExactL2(const float* x, const float* c, size_t d) {
  __m512 acc = _mm512_setzero_ps();
  size_t t = 0;
  for (; t + 16 <= d; t += 16) {
    const __m512 diff = _mm512_sub_ps(_mm512_loadu_ps(x + t), _mm512_loadu_ps(c + t));
    acc = _mm512_fmadd_ps(diff, diff, acc);
  }
  if (t < d) {
    const __mmask16 m = __mmask16((1u << (d - t)) - 1);
    const __m512 diff = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + t), _mm512_maskz_loadu_ps(m, c + t));
    acc = _mm512_fmadd_ps(diff, diff, acc);
  }
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, acc);
  float sum = 0.0f;
  for (size_t l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

// One point's answer from its 32 (score, id) candidate pairs.
void Finish(const float* x, size_t point, const float* centroids, size_t k, size_t d, const float* best,
            const float* second, const int32_t* best_id, const int32_t* second_id, const AssignOutput& out) {
  float score[kAmxCandidates];
  int32_t cand[kAmxCandidates];
  size_t m = 0;
  auto offer = [&](float v, int32_t id) {
    if (!(v < kInf) || id < 0 || static_cast<size_t>(id) >= k) return;
    size_t pos = m < kAmxCandidates ? m++ : kAmxCandidates;
    if (pos == kAmxCandidates) {
      if (!(v < score[kAmxCandidates - 1])) return;
      pos = kAmxCandidates - 1;
    }
    while (pos > 0 && v < score[pos - 1]) {
      score[pos] = score[pos - 1];
      cand[pos] = cand[pos - 1];
      --pos;
    }
    score[pos] = v;
    cand[pos] = id;
  };
  for (size_t l = 0; l < kLanes; ++l) offer(best[l], best_id[l]);
  for (size_t l = 0; l < kLanes; ++l) offer(second[l], second_id[l]);
  const float* p = x + point * d;
  float d1 = kInf, d2 = kInf;
  int32_t i1 = -1, i2 = -1;
  for (size_t j = 0; j < m; ++j) {
    const float v = ExactL2(p, centroids + static_cast<size_t>(cand[j]) * d, d);
    const int32_t id = cand[j];
    if (v < d1 || (v == d1 && id < i1)) {
      d2 = d1;
      i2 = i1;
      d1 = v;
      i1 = id;
    } else if (v < d2 || (v == d2 && id < i2)) {
      d2 = v;
      i2 = id;
    }
  }
  // m == 0 only when every score is NaN/inf (NaN input): report centroid 0.
  out.nearest[point] = i1 < 0 ? 0 : i1;
  if (out.nearest_dist) out.nearest_dist[point] = d1;
  if (out.second_dist) out.second_dist[point] = d2;
}

}  // namespace

bool AmxAssignCompiled() { return true; }

void AssignAmxBlock(const float* x, size_t begin, size_t end, const AmxCentroids& c, const AmxScratch& scratch,
                    const AssignOutput& out) {
  const size_t d = c.d, dp = c.padded_d, k = c.k;
  const size_t n = end - begin;
  const size_t groups = (n + kGroup - 1) / kGroup;
  // Convert the block (rows past n stay zero).
  for (size_t i = 0; i < groups * kGroup; ++i) {
    uint16_t* row = scratch.points + i * dp;
    if (i >= n) {
      std::memset(row, 0, dp * sizeof(uint16_t));
      continue;
    }
    const float* src = x + (begin + i) * d;
    for (size_t t = 0; t < dp; t += 32) ConvertCentred(src + t, c.mean + t, t < d ? d - t : 0, row + t);
  }
  for (size_t i = 0; i < groups * kGroup * kLanes; ++i) {
    scratch.best[i] = kInf;
    scratch.second[i] = kInf;
    scratch.best_id[i] = -1;
    scratch.second_id[i] = -1;
  }
  LoadTileConfig();
  const size_t pair_bytes = 2 * kLanes * dp * sizeof(uint16_t);
  const size_t pairs = c.pairs;
  const size_t chunk = pair_bytes >= kChunkBytes ? 1 : kChunkBytes / pair_bytes;
  const size_t stride = dp * sizeof(uint16_t);
  alignas(64) float acc[kGroup * 2 * kLanes];
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (size_t q0 = 0; q0 < pairs; q0 += chunk) {
    const size_t q1 = q0 + chunk < pairs ? q0 + chunk : pairs;
    for (size_t g = 0; g < groups; ++g) {
      const uint16_t* a0 = scratch.points + g * kGroup * dp;
      const uint16_t* a1 = a0 + kLanes * dp;
      for (size_t q = q0; q < q1; ++q) {
        const uint16_t* b0 = c.panels + q * 2 * kLanes * dp;
        const uint16_t* b1 = b0 + kLanes * dp;
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        for (size_t t = 0; t < dp; t += 32) {
          _tile_loadd(4, a0 + t, stride);
          _tile_loadd(5, a1 + t, stride);
          _tile_loadd(6, b0 + t * kLanes, 64);
          _tile_loadd(7, b1 + t * kLanes, 64);
          _tile_dpbf16ps(0, 4, 6);
          _tile_dpbf16ps(1, 4, 7);
          _tile_dpbf16ps(2, 5, 6);
          _tile_dpbf16ps(3, 5, 7);
        }
        _tile_stored(0, acc, 128);
        _tile_stored(1, acc + kLanes, 128);
        _tile_stored(2, acc + kLanes * 2 * kLanes, 128);
        _tile_stored(3, acc + kLanes * 2 * kLanes + kLanes, 128);
        const __m512 norm0 = _mm512_load_ps(c.norms + q * 2 * kLanes);
        const __m512 norm1 = _mm512_load_ps(c.norms + q * 2 * kLanes + kLanes);
        const __m512i ids0 = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int32_t>(q * 2 * kLanes)));
        const __m512i ids1 = _mm512_add_epi32(ids0, _mm512_set1_epi32(static_cast<int32_t>(kLanes)));
        const __m512 minus2 = _mm512_set1_ps(-2.0f);
        const size_t rows = n - g * kGroup < kGroup ? n - g * kGroup : kGroup;
        for (size_t r = 0; r < rows; ++r) {
          const size_t s = (g * kGroup + r) * kLanes;
          const __m512 v0 = _mm512_fmadd_ps(minus2, _mm512_load_ps(acc + r * 2 * kLanes), norm0);
          const __m512 v1 = _mm512_fmadd_ps(minus2, _mm512_load_ps(acc + r * 2 * kLanes + kLanes), norm1);
          LaneState st{_mm512_load_ps(scratch.best + s), _mm512_load_ps(scratch.second + s),
                       _mm512_load_si512(scratch.best_id + s), _mm512_load_si512(scratch.second_id + s)};
          Fold(v0, ids0, st);
          Fold(v1, ids1, st);
          _mm512_store_ps(scratch.best + s, st.best);
          _mm512_store_ps(scratch.second + s, st.second);
          _mm512_store_si512(scratch.best_id + s, st.best_id);
          _mm512_store_si512(scratch.second_id + s, st.second_id);
        }
      }
    }
  }
  _tile_release();
  for (size_t i = 0; i < n; ++i) {
    const size_t s = i * kLanes;
    Finish(x, begin + i, c.centroids, k, d, scratch.best + s, scratch.second + s, scratch.best_id + s,
           scratch.second_id + s, out);
  }
}

}  // namespace kiln::linalg::internal
