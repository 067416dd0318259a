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
void AssignFusedAvx512Block(const float* x, size_t begin, size_t end, const float* panels,
                            const float* panel_norms, size_t k, size_t d, const AssignOutput& out);

}  // namespace kiln::linalg::internal
