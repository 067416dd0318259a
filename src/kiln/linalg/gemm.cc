#include "kiln/linalg/gemm.h"

#include <cblas.h>

namespace kiln::linalg {

void SgemmNT(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda, const float* b,
             size_t ldb, float beta, float* c, size_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

}  // namespace kiln::linalg
