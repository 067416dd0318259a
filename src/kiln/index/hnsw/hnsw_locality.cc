#include "kiln/index/hnsw/hnsw_locality.h"

#include <algorithm>

#include "kiln/base/check.h"
#include "kiln/cluster/kmeans.h"
#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"

namespace kiln::index::hnsw {

StatusOr<std::vector<int32_t>> LocalityOrder(const FloatSpace& rows, size_t n, size_t d,
                                             const ExecContext& ctx) {
  const float* x = rows.Row(0);
  KILN_CHECK(n > 0 && rows.Row(static_cast<int32_t>(n - 1)) == x + (n - 1) * d);
  const size_t k = std::max<size_t>(1, n / kLocalityClusterSize);
  cluster::KMeansParams params;
  params.niter = 4;
  params.max_points_per_centroid = 32;  // a sample of 32k points: coarse is enough
  params.min_points_per_centroid = 0;
  params.seed = 1;
  const ExecContext quiet{ctx.pool, ctx.cancel, nullptr};
  KILN_ASSIGN_OR_RETURN(cluster::KMeansResult km, cluster::TrainKMeans(x, n, d, k, params, quiet));
  std::vector<float> norms(k);
  linalg::RowNormsSqr(km.centroids.data(), k, d, norms.data(), *ctx.pool);
  std::vector<idx_t> nearest(n);
  linalg::AssignNearest(x, n, km.centroids.data(), norms.data(), k, d, {nearest.data(), nullptr, nullptr},
                        *ctx.pool);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
  // Counting sort by cluster, input order inside a cluster.
  std::vector<size_t> start(k + 1, 0);
  for (idx_t c : nearest) ++start[static_cast<size_t>(c) + 1];
  for (size_t c = 0; c < k; ++c) start[c + 1] += start[c];
  std::vector<int32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[start[static_cast<size_t>(nearest[i])]++] = static_cast<int32_t>(i);
  return order;
}

}  // namespace kiln::index::hnsw
