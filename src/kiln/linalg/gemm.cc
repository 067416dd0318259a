#include "kiln/linalg/gemm.h"

#include <cstdlib>
#include <mutex>

#include <cblas.h>

namespace kiln::linalg {
namespace {

// OpenBLAS (DYNAMIC_ARCH) picks its kernels from the CPU model when it
// initialises; CPUs newer than the library (such as this project's Sapphire
// Rapids-class virtual machines, reported as model 207) fall back to the
// generic "Prescott" kernels, several times slower. Before OpenBLAS's own
// constructor runs, name the kernel family the CPU's features support,
// unless the user chose one with OPENBLAS_CORETYPE.
__attribute__((constructor(101))) void ChooseOpenBlasCoreType() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    setenv("OPENBLAS_CORETYPE", "Haswell", 0);
  }
}

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

// Exposed for diagnostics: the kernel family OpenBLAS settled on.
const char* BlasCoreName() { return openblas_get_corename(); }

}  // namespace kiln::linalg
