// Nearest-centroid assignment for k-means and IVF: for each of n points, the
// closest of k centroids in squared L2, plus the squared distance to the
// second closest (for k-means bounds). GEMM-blocked with a fused top-2: the
// n×k distance matrix is never materialised.
//
// Three implementations, chosen at run time:
//  - AMX (assign_amx.cc): BF16 tile products of centred vectors pick a few
//    candidates per point, which are re-scored exactly in FP32; used for
//    d >= 32 and k >= 64 when the CPU has AMX-BF16 and the OS grants the tile
//    state (KILN_AMX=0 or KILN_SIMD below avx512 turn it off). The distances
//    it reports are exact FP32 distances of the centroids it reports; it can
//    miss the true nearest only among centroids whose distances agree to
//    about 1e-3 relative (see assign_amx.cc).
//  - fused AVX-512 (assign_avx512.cc): a register-blocked FP32 kernel that
//    keeps running top-2 state per point while it accumulates dot products;
//    used when simd::ActiveSimdLevel() is kAvx512 (KILN_SIMD lowers it).
//  - BLAS (assign.cc): single-threaded SGEMM per block of points × centroids
//    followed by a scan of the block; the AVX2 / scalar fallback.
// The FP32 paths give the same nearest index up to float rounding (exact and
// reassociation-level near ties may resolve differently between the two);
// every path is deterministic for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"

namespace kiln::linalg {

struct AssignOutput {
  idx_t* nearest = nullptr;       // n labels in [0, k)
  float* nearest_dist = nullptr;  // n squared L2 distances (clamped at 0); may be null
  float* second_dist = nullptr;   // n squared L2 distances to the runner-up; may be null
                                  // (+inf when k == 1)
};

// Which implementation to run. kAuto is what production code uses; the others
// are for tests and benchmarks.
enum class AssignPath {
  kAuto,   // kAmx when AmxAssignAvailable() and d, k are large enough, else
           // kFused when FusedAssignAvailable(), else kBlas
  kBlas,   // SGEMM + scan
  kFused,  // fused AVX-512 kernel; must only be asked for when FusedAssignAvailable()
  kAmx,    // AMX-BF16 candidates + FP32 re-scoring; only when AmxAssignAvailable()
};

// True when assign_amx.cc is compiled in, the CPU has AMX-TILE, AMX-BF16 and
// AVX512-BF16, Linux granted the tile state, the active SIMD level is kAvx512
// and KILN_AMX is not "0".
bool AmxAssignAvailable();

// True when the fused AVX-512 kernel is compiled in and the active SIMD level
// (simd::ActiveSimdLevel(), which honours KILN_SIMD) is kAvx512.
bool FusedAssignAvailable();

// x: n×d points; centroids: k×d; centroid_norms: k values ||c||².
// Ties go to the lower centroid index. Deterministic for any thread count.
void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms, size_t k,
                   size_t d, const AssignOutput& out, ThreadPool& pool);

// Same, with the implementation forced (tests, benchmarks).
void AssignNearest(const float* x, size_t n, const float* centroids, const float* centroid_norms, size_t k,
                   size_t d, const AssignOutput& out, ThreadPool& pool, AssignPath path);

// Centroids prepared once for many AssignNearest calls (IVF adds, repeated
// batches): holds a copy of the centroids in the layout the chosen path reads
// (16-centroid dimension-major panels for the fused kernel, row-major for
// BLAS), so per-call packing is skipped. Independent of the caller's buffers
// once constructed.
class AssignCentroids {
 public:
  AssignCentroids(const float* centroids, const float* centroid_norms, size_t k, size_t d, ThreadPool& pool,
                  AssignPath path = AssignPath::kAuto);

  size_t k() const { return k_; }
  size_t d() const { return d_; }
  // The resolved path: kAmx, kFused or kBlas.
  AssignPath path() const { return path_; }

 private:
  friend void AssignNearestRows(const float* x, const uint32_t* rows, size_t n, const AssignCentroids& centroids,
                                const AssignOutput& out, ThreadPool& pool);
  size_t k_;
  size_t d_;
  AssignPath path_;
  AlignedBuffer<float> data_;   // panels (kFused) or k×d rows (kBlas, kAmx)
  AlignedBuffer<float> norms_;  // padded with +inf (kFused, kAmx) or k values
  AlignedBuffer<uint16_t> amx_panels_;  // kAmx: BF16 panels of the centred centroids
  AlignedBuffer<float> amx_mean_;       // kAmx: the centroids' mean
};

void AssignNearest(const float* x, size_t n, const AssignCentroids& centroids, const AssignOutput& out,
                   ThreadPool& pool);

// Same for the n points x + rows[i]·d (i < n), read in place: output i is
// the answer for row rows[i]. Saves gathering a subset of a large array.
void AssignNearestRows(const float* x, const uint32_t* rows, size_t n, const AssignCentroids& centroids,
                       const AssignOutput& out, ThreadPool& pool);

}  // namespace kiln::linalg
