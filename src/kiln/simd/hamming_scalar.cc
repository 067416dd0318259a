// Scalar Hamming reference (baseline x86-64).
#include "kiln/simd/hamming_internal.h"
#include "kiln/simd/hamming_scalar_impl.h"

namespace kiln::simd::internal {

const HammingKernels kHammingScalar = {HammingWords, HammingWordsToSubset};

}  // namespace kiln::simd::internal
