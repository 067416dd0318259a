// Hamming with the POPCNT instruction; this file alone is compiled with
// -mpopcnt and its table is handed out only on CPUs that have it.
#include "kiln/simd/hamming_internal.h"
#include "kiln/simd/hamming_scalar_impl.h"

namespace kiln::simd::internal {

const HammingKernels kHammingPopcnt = {HammingWords, HammingWordsToSubset};

}  // namespace kiln::simd::internal
