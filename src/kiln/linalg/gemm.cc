#include "kiln/linalg/gemm.h"

#include <mutex>

#include <cblas.h>

namespace kiln::linalg {
namespace {
// kiln parallelises over its own ThreadPool; OpenBLAS must compute each call
// on the calling thread only.
void PinBlasToCallingThread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}
}  // namespace

void SgemmNT(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda, const float* b,
             size_t ldb, float beta, float* c, size_t ldc) {
  PinBlasToCallingThread();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

}  // namespace kiln::linalg
