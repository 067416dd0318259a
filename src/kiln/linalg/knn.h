// Exact k-nearest-neighbour search of nq queries against nb base vectors.
// Works block by block (BLAS GEMM for the dot products, fused top-k on the
// block), so it never materialises the nq×nb distance matrix.
#pragma once

#include <cstddef>

#include "kiln/base/exec_context.h"
#include "kiln/base/types.h"

namespace kiln::linalg {

// For each query, the k best base rows, best first:
//   Metric::kL2: smallest squared L2 distances;
//   kInnerProduct / kCosine: largest inner products (cosine assumes the caller
//   already normalised queries and base).
// distances and labels are nq×k; missing results (k > nb) get label -1 and
// distance +inf (L2) or -inf (similarity). base_norms (||b||², nb floats) may
// be null; it is computed when needed.
// Returns Cancelled if ctx.cancel fires between blocks.
Status ExactKnn(const float* queries, size_t nq, const float* base, size_t nb, size_t d,
                Metric metric, size_t k, const float* base_norms, float* distances,
                idx_t* labels, const ExecContext& ctx);

}  // namespace kiln::linalg
