// Thin wrapper over single-threaded BLAS SGEMM. Callers split work over
// kiln's ThreadPool and call this per block.
#pragma once

#include <cstddef>

namespace kiln::linalg {

// C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C, all row-major with leading
// dimensions lda, ldb, ldc (in floats).
void SgemmNT(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda, const float* b,
             size_t ldb, float beta, float* c, size_t ldc);

// OpenBLAS kernel family in use (e.g. "SkylakeX"), for diagnostics and benchmarks.
const char* BlasCoreName();

}  // namespace kiln::linalg
