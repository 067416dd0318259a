// Internals shared by assign.cc (dispatch, threading, BLAS path, centroid
// packing) and assign_avx512.cc (fused kernel). Not part of kiln's API.
//
// assign_avx512.cc is compiled with AVX-512 flags, so it must not instantiate
// any inline function or template that baseline translation units also
// instantiate (the linker keeps one copy of such a function, possibly the
// AVX-512 one, which would then run on CPUs without AVX-512). Hence the split:
// everything touching the thread pool, std::function or kiln containers lives
// in assign.cc, and the AVX-512 file only exports the plain functions below.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kiln/linalg/assign.h"

namespace kiln::linalg::internal {

// The fused kernel reads centroids in panels of kAssignPanelWidth centroids
// stored dimension-major: panel p holds, for t in [0, d), the 16 values
// c[16p + j][t] (j = 0..15) contiguously, so one 64-byte aligned load gives
// coordinate t of 16 centroids. Centroids past k are zero with norm +inf, so
// they can never be nearest or second nearest.
inline constexpr size_t kAssignPanelWidth = 16;
// Points are packed in tiles of kAssignTileRows points, in blocks of
// kAssignDimBlock dimensions (see assign_avx512.cc).
inline constexpr size_t kAssignTileRows = 12;
inline constexpr size_t kAssignDimBlock = 16;

inline size_t AssignPanelCount(size_t k) { return (k + kAssignPanelWidth - 1) / kAssignPanelWidth; }

// Writes the panel layout above: panels must hold AssignPanelCount(k)·16·d
// floats and panel_norms AssignPanelCount(k)·16, both 64-byte aligned.
void PackAssignPanels(const float* centroids, const float* centroid_norms, size_t k, size_t d, float* panels,
                      float* panel_norms, ThreadPool& pool);

// True when assign_avx512.cc was compiled into this build.
bool FusedAssignCompiled();

// The fused AVX-512 kernel for points [begin, end) of x (n×d) against packed
// panels, on the calling thread. Only to be called when the CPU has
// AVX-512F/BW/DQ/VL. Each point's result depends only on the point and the
// centroids, not on begin/end.
// Point i of a set given as x plus an optional row list: x + rows[i]·d when
// rows is given (points picked out of a larger array without copying them),
// else x + i·d. Results are always indexed by i.
inline const float* PointRow(const float* x, const uint32_t* rows, size_t i, size_t d) {
  return x + (rows != nullptr ? static_cast<size_t>(rows[i]) : i) * d;
}

void AssignFusedAvx512Block(const float* x, const uint32_t* rows, size_t begin, size_t end, const float* panels,
                            const float* panel_norms, size_t k, size_t d, const AssignOutput& out);

// ---- AMX path (assign_amx.cc; threading and packing in assign_amx_support.cc).

// Candidates re-scored exactly in FP32 per point.
inline constexpr size_t kAmxCandidates = 4;
// kAuto picks AMX for d >= kAmxMinDim, k >= kAmxMinCentroids and
// k·d >= kAmxMinWork: below, its per-point costs (BF16 conversion, the top-2
// state, re-scoring) outweigh the faster products. Measured on one thread
// against the fused FP32 kernel (kiln_assign_benchmark): d = 128 with k = 64
// is a draw, k = 128 1.5×, k = 4096 3–5× faster; d = 32 with k = 128 is
// slower, with k = 512 1.4× faster; d = 784 with k = 64 1.2× faster.
inline constexpr size_t kAmxMinDim = 32;
inline constexpr size_t kAmxMinCentroids = 64;
inline constexpr size_t kAmxMinWork = size_t{1} << 14;

// Centroids as the AMX kernel reads them. panels: pairs·2 panels of 16
// centroids, each padded_d/2 rows × 16 centroids × 2 BF16 (VNNI pairs: row r
// holds dims 2r, 2r+1 of every centroid of the panel) of c − mean; centroids
// past k are zero. norms: pairs·32 values ||c − mean||² (+inf past k).
// centroids: the k×d FP32 rows for exact re-scoring; mean: padded_d floats
// (zero past d).
struct AmxCentroids {
  const float* centroids = nullptr;
  const uint16_t* panels = nullptr;
  const float* norms = nullptr;
  const float* mean = nullptr;
  size_t k = 0;
  size_t d = 0;
  size_t padded_d = 0;  // d rounded up to 32
  size_t pairs = 0;     // ceil(k / 32)
};

// Per-thread working memory for a block of `rows` points (rows a multiple of
// 32): points rows·padded_d BF16; best/second/best_id/second_id rows·16 each,
// all 64-byte aligned.
struct AmxScratch {
  uint16_t* points = nullptr;
  float* best = nullptr;
  float* second = nullptr;
  int32_t* best_id = nullptr;
  int32_t* second_id = nullptr;
};

// True when assign_amx.cc was compiled into this build.
bool AmxAssignCompiled();

// The AMX kernel for points [begin, end) of x (n×d), on the calling thread;
// scratch sized for end − begin rounded up to 32. Only to be called when
// AmxAssignAvailable().
void AssignAmxBlock(const float* x, const uint32_t* rows, size_t begin, size_t end, const AmxCentroids& centroids,
                    const AmxScratch& scratch, const AssignOutput& out);

// Fills the AmxCentroids buffers (see above) from k×d FP32 centroids.
void PackAmxCentroids(const float* centroids, size_t k, size_t d, ThreadPool& pool, AlignedBuffer<uint16_t>& panels,
                      AlignedBuffer<float>& norms, AlignedBuffer<float>& mean);

// Threads the kernel over blocks of points.
void AssignAmx(const float* x, const uint32_t* rows, size_t n, const AmxCentroids& centroids, const AssignOutput& out,
               ThreadPool& pool);

}  // namespace kiln::linalg::internal
