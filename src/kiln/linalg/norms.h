// Row norms and normalisation.
#pragma once

#include <cstddef>

#include "kiln/base/thread_pool.h"

namespace kiln::linalg {

// out[i] = ||x_i||² for the n rows of x (n×d).
void RowNormsSqr(const float* x, size_t n, size_t d, float* out, ThreadPool& pool);

// Scales each row of x to unit L2 norm in place. Rows of norm 0 stay zero.
// Returns the number of zero rows.
size_t NormalizeRows(float* x, size_t n, size_t d, ThreadPool& pool);

}  // namespace kiln::linalg
