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

// Squared L2 of x against m (≤ kAmxCandidates) centroid rows, one pass over x.
inline void ExactL2Candidates(const float* x, const float* centroids, const int32_t* cand, size_t m, size_t d,
                              float* dist) {
  __m512 acc[kAmxCandidates];
  const float* c[kAmxCandidates];
  for (size_t j = 0; j < kAmxCandidates; ++j) {
    acc[j] = _mm512_setzero_ps();
    c[j] = centroids + static_cast<size_t>(cand[j < m ? j : 0]) * d;
  }
  for (size_t t = 0; t < d; t += 16) {
    const __mmask16 mask = d - t >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (d - t)) - 1);
    const __m512 xv = _mm512_maskz_loadu_ps(mask, x + t);
    for (size_t j = 0; j < kAmxCandidates; ++j) {
      const __m512 diff = _mm512_sub_ps(xv, _mm512_maskz_loadu_ps(mask, c[j] + t));
      acc[j] = _mm512_fmadd_ps(diff, diff, acc[j]);
    }
  }
  for (size_t j = 0; j < m; ++j) dist[j] = _mm512_reduce_add_ps(acc[j]);
}

// In-register transpose of a 16×16 matrix of 32-bit values (rows r[0..15]).
inline void Transpose16(__m512 r[kLanes]) {
  __m512 t[kLanes];
  for (size_t i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // Pairs of 64-bit halves: r[4i + c] then holds column 4j + c of rows
  // 4i..4i+3 in its 128-bit lane j.
  for (size_t i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (size_t c = 0; c < 4; ++c) {
    const __m512 lo01 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44), hi01 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
    const __m512 lo23 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44);
    const __m512 hi23 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
    t[c] = _mm512_shuffle_f32x4(lo01, lo23, 0x88);
    t[4 + c] = _mm512_shuffle_f32x4(lo01, lo23, 0xDD);
    t[8 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0xDD);
  }
  for (size_t i = 0; i < kLanes; ++i) r[i] = t[i];
}

// The kAmxCandidates smallest scores (ascending, ties: first offered) of 16
// points at once, one point per lane: v[j] / id[j] hold every point's j-th
// candidate.
struct TopCandidates {
  __m512 v[kAmxCandidates];
  __m512i id[kAmxCandidates];

  TopCandidates() {
    for (size_t j = 0; j < kAmxCandidates; ++j) {
      v[j] = _mm512_set1_ps(kInf);
      id[j] = _mm512_set1_epi32(-1);
    }
  }
  // NaN and +inf scores (centroids past k, NaN input) never become candidates.
  void Offer(__m512 u, __m512i ui) {
    static_assert(kAmxCandidates == 4);
    const __mmask16 c0 = _mm512_cmp_ps_mask(u, v[0], _CMP_LT_OQ), c1 = _mm512_cmp_ps_mask(u, v[1], _CMP_LT_OQ);
    const __mmask16 c2 = _mm512_cmp_ps_mask(u, v[2], _CMP_LT_OQ), c3 = _mm512_cmp_ps_mask(u, v[3], _CMP_LT_OQ);
    v[3] = _mm512_mask_mov_ps(_mm512_mask_mov_ps(v[3], c3, u), c2, v[2]);
    id[3] = _mm512_mask_mov_epi32(_mm512_mask_mov_epi32(id[3], c3, ui), c2, id[2]);
    v[2] = _mm512_mask_mov_ps(_mm512_mask_mov_ps(v[2], c2, u), c1, v[1]);
    id[2] = _mm512_mask_mov_epi32(_mm512_mask_mov_epi32(id[2], c2, ui), c1, id[1]);
    v[1] = _mm512_mask_mov_ps(_mm512_mask_mov_ps(v[1], c1, u), c0, v[0]);
    id[1] = _mm512_mask_mov_epi32(_mm512_mask_mov_epi32(id[1], c1, ui), c0, id[0]);
    v[0] = _mm512_mask_mov_ps(v[0], c0, u);
    id[0] = _mm512_mask_mov_epi32(id[0], c0, ui);
  }
};

// Loads 16 consecutive points' lane-wise states (16 values each),
// transposed: r[l] holds lane l of every point.
inline void LoadTransposed(const float* state, __m512 r[kLanes]) {
  for (size_t p = 0; p < kLanes; ++p) r[p] = _mm512_load_ps(state + p * kLanes);
  Transpose16(r);
}
inline void LoadTransposed(const int32_t* state, __m512 r[kLanes]) {
  for (size_t p = 0; p < kLanes; ++p) r[p] = _mm512_castsi512_ps(_mm512_load_si512(state + p * kLanes));
  Transpose16(r);
}

// The answers of points [first, first + count) (count <= 16) from their 32
// (score, id) candidate pairs (lane-wise best and second): the
// kAmxCandidates smallest scores are re-scored exactly in FP32.
void FinishGroup(const float* x, const uint32_t* rows, size_t first, size_t count, const float* centroids, size_t d,
                 const AmxScratch& scratch, size_t scratch_row, const AssignOutput& out) {
  TopCandidates top;
  {
    __m512 v[kLanes], id[kLanes];
    LoadTransposed(scratch.best + scratch_row * kLanes, v);
    LoadTransposed(scratch.best_id + scratch_row * kLanes, id);
    for (size_t l = 0; l < kLanes; ++l) top.Offer(v[l], _mm512_castps_si512(id[l]));
    LoadTransposed(scratch.second + scratch_row * kLanes, v);
    LoadTransposed(scratch.second_id + scratch_row * kLanes, id);
    for (size_t l = 0; l < kLanes; ++l) top.Offer(v[l], _mm512_castps_si512(id[l]));
  }
  alignas(64) float score[kAmxCandidates][kLanes];
  alignas(64) int32_t cand_id[kAmxCandidates][kLanes];
  for (size_t j = 0; j < kAmxCandidates; ++j) {
    _mm512_store_ps(score[j], top.v[j]);
    _mm512_store_si512(cand_id[j], top.id[j]);
  }
  for (size_t p = 0; p < count; ++p) {
    int32_t cand[kAmxCandidates];
    size_t m = 0;
    while (m < kAmxCandidates && score[m][p] < kInf) {
      cand[m] = cand_id[m][p];
      ++m;
    }
    const size_t point = first + p;
    float dist[kAmxCandidates];
    if (m > 0) ExactL2Candidates(PointRow(x, rows, point, d), centroids, cand, m, d, dist);
    float d1 = kInf, d2 = kInf;
    int32_t i1 = -1, i2 = -1;
    for (size_t j = 0; j < m; ++j) {
      const float v = dist[j];
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
}

}  // namespace

bool AmxAssignCompiled() { return true; }

void AssignAmxBlock(const float* x, const uint32_t* rows, size_t begin, size_t end, const AmxCentroids& c,
                    const AmxScratch& scratch,
                    const AssignOutput& out) {
  const size_t d = c.d, dp = c.padded_d;
  const size_t n = end - begin;
  const size_t groups = (n + kGroup - 1) / kGroup;
  // Convert the block (rows past n stay zero).
  for (size_t i = 0; i < groups * kGroup; ++i) {
    uint16_t* row = scratch.points + i * dp;
    if (i >= n) {
      std::memset(row, 0, dp * sizeof(uint16_t));
      continue;
    }
    const float* src = PointRow(x, rows, begin + i, d);
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
  for (size_t i = 0; i < n; i += kLanes)
    FinishGroup(x, rows, begin + i, n - i < kLanes ? n - i : kLanes, c.centroids, d, scratch, i, out);
}

}  // namespace kiln::linalg::internal
