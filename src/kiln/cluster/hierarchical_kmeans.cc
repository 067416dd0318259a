#include "kiln/cluster/hierarchical_kmeans.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <cmath>
#include <cstring>
#include <numeric>

#include "kiln/base/aligned_buffer.h"
#include "kiln/cluster/sampling.h"
#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"

namespace kiln::cluster {
namespace {

constexpr size_t kCoarsePointsPerCentroid = 256;

// Nearest of k centroids (squared L2) for each of the n points x + rows[i]·d
// (x + i·d when rows is empty).
std::vector<idx_t> AssignRows(const float* x, const std::vector<uint32_t>& rows, size_t n, size_t d,
                              const std::vector<float>& centroids, size_t k, ThreadPool& pool) {
  std::vector<float> norms(k);
  linalg::RowNormsSqr(centroids.data(), k, d, norms.data(), pool);
  const linalg::AssignCentroids packed(centroids.data(), norms.data(), k, d, pool);
  std::vector<idx_t> labels(n);
  linalg::AssignNearestRows(x, rows.empty() ? nullptr : rows.data(), n, packed, {labels.data(), nullptr, nullptr},
                            pool);
  return labels;
}

}  // namespace

std::vector<size_t> ProportionalSeats(const std::vector<size_t>& sizes, size_t k) {
  const size_t total = std::accumulate(sizes.begin(), sizes.end(), size_t{0});
  std::vector<size_t> seats(sizes.size(), 0);
  std::vector<double> ideal(sizes.size(), 0);
  size_t assigned = 0;
  for (size_t c = 0; c < sizes.size(); ++c) {
    if (sizes[c] == 0) continue;
    ideal[c] = static_cast<double>(k) * static_cast<double>(sizes[c]) / static_cast<double>(total);
    seats[c] = std::min(sizes[c], std::max<size_t>(1, static_cast<size_t>(ideal[c])));
    assigned += seats[c];
  }
  // Largest remainder up, smallest remainder down, respecting 1 <= seats <= size.
  while (assigned < k) {
    size_t best = sizes.size();
    for (size_t c = 0; c < sizes.size(); ++c)
      if (seats[c] < sizes[c] && (best == sizes.size() || ideal[c] - seats[c] > ideal[best] - seats[best])) best = c;
    ++seats[best];
    ++assigned;
  }
  while (assigned > k) {
    size_t best = sizes.size();
    for (size_t c = 0; c < sizes.size(); ++c)
      if (seats[c] > 1 && (best == sizes.size() || ideal[c] - seats[c] < ideal[best] - seats[best])) best = c;
    --seats[best];
    --assigned;
  }
  return seats;
}

StatusOr<KMeansResult> TrainHierarchicalKMeans(const float* x, size_t n, size_t d, size_t k,
                                               const KMeansParams& params,
                                               const HierarchicalKMeansParams& hparams,
                                               const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(HierarchicalKMeansResult r, TrainHierarchicalKMeansLevels(x, n, d, k, params, hparams, ctx));
  return std::move(r.fine);
}

StatusOr<HierarchicalKMeansResult> TrainHierarchicalKMeansLevels(const float* x, size_t n, size_t d, size_t k,
                                                                 const KMeansParams& params,
                                                                 const HierarchicalKMeansParams& hparams,
                                                                 const ExecContext& ctx) {
  const size_t coarse_k =
      hparams.coarse_k != 0 ? hparams.coarse_k : static_cast<size_t>(std::llround(std::sqrt(static_cast<double>(k))));
  HierarchicalKMeansResult out;
  if (coarse_k < 2 || coarse_k >= k || n < k) {
    KILN_ASSIGN_OR_RETURN(out.fine, TrainKMeans(x, n, d, k, params, ctx));
    return out;
  }
  ThreadPool& pool = *ctx.pool;

  // The training sample of flat k-means with the same parameters.
  const size_t m = TrainingSampleSize(n, k, params.sample_rate, params.max_points_per_centroid);
  AlignedBuffer<float> sample_buf;
  const float* xs = GatherTrainingRows(x, n, d, m, params.seed, sample_buf, pool);

  ExecContext quiet{ctx.pool, ctx.cancel, nullptr};
  // The coarse level needs few points (Faiss's 256 per centroid).
  KMeansParams coarse_params = params;
  coarse_params.sample_rate = 0;
  coarse_params.max_points_per_centroid = kCoarsePointsPerCentroid;
  coarse_params.min_points_per_centroid = 0;
  KILN_ASSIGN_OR_RETURN(KMeansResult coarse, TrainKMeans(xs, m, d, coarse_k, coarse_params, quiet));
  ctx.Report("k-means coarse", 1, 1);

  // The fine level's points: at most fine_points_per_centroid per fine
  // centroid, a seeded stratified subsample of the sample read in place;
  // each is assigned to its coarse cluster.
  const size_t m_fine = hparams.fine_points_per_centroid == 0
                            ? m
                            : std::min(m, std::max(k, k * hparams.fine_points_per_centroid));
  std::vector<uint32_t> rows;
  if (m_fine < m) rows = StratifiedIndices(m, m_fine, params.seed + 2);
  const std::vector<idx_t> labels = AssignRows(xs, rows, m_fine, d, coarse.centroids, coarse_k, pool);

  // Members of each coarse cluster (rows of xs), in sample order.
  std::vector<size_t> sizes(coarse_k, 0);
  for (idx_t l : labels) ++sizes[static_cast<size_t>(l)];
  std::vector<size_t> offsets(coarse_k + 1, 0);
  for (size_t c = 0; c < coarse_k; ++c) offsets[c + 1] = offsets[c] + sizes[c];
  std::vector<uint32_t> members(m_fine);
  {
    std::vector<size_t> cursor(offsets.begin(), offsets.end() - 1);
    for (size_t i = 0; i < m_fine; ++i)
      members[cursor[static_cast<size_t>(labels[i])]++] = rows.empty() ? static_cast<uint32_t>(i) : rows[i];
  }
  const std::vector<size_t> seats = ProportionalSeats(sizes, k);
  // Largest clusters first, so that the last ones to finish are small.
  std::vector<size_t> order(coarse_k);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });

  KMeansResult result;
  result.k = k;
  result.d = d;
  result.n_train = m_fine;
  result.centroids.reserve(k * d);
  result.distance_evaluations = coarse.distance_evaluations;
  result.iterations = coarse.iterations;
  KMeansParams fine_params = params;
  fine_params.max_points_per_centroid = 0;  // already sampled
  fine_params.sample_rate = 0;
  fine_params.min_points_per_centroid = 0;
  fine_params.stop_moved_fraction = hparams.fine_stop_moved_fraction;
  // Fine clusters are small: train them side by side, one thread each.
  std::vector<std::vector<float>> fine_centroids(coarse_k);
  std::vector<Status> fine_status(coarse_k);
  std::vector<KMeansResult> fine_stats(coarse_k);
  std::vector<std::unique_ptr<ThreadPool>> worker_pools(static_cast<size_t>(pool.num_threads()));
  std::atomic<size_t> done{0};
  pool.ParallelFor(coarse_k, 1, [&](size_t begin, size_t end, int worker) {
    auto& wp = worker_pools[static_cast<size_t>(worker)];
    if (!wp) wp = std::make_unique<ThreadPool>(1);
    const ExecContext one{wp.get(), ctx.cancel, nullptr};
    AlignedBuffer<float> part;
    for (size_t o = begin; o < end; ++o) {
      const size_t c = order[o];
      if (seats[c] == 0 || ctx.cancelled()) continue;
      const size_t nc = sizes[c];
      part.Resize(nc * d);
      for (size_t i = 0; i < nc; ++i)
        std::memcpy(part.data() + i * d, xs + static_cast<size_t>(members[offsets[c] + i]) * d, d * sizeof(float));
      if (seats[c] == nc) {  // as many seats as points: the points are the centroids
        fine_centroids[c].assign(part.data(), part.data() + nc * d);
      } else {
        KMeansParams fp = fine_params;
        fp.seed = params.seed + 7919 * (c + 1);
        auto fine = TrainKMeans(part.data(), nc, d, seats[c], fp, one);
        if (!fine.ok()) {
          fine_status[c] = fine.status();
          continue;
        }
        fine_centroids[c] = std::move(fine->centroids);
        fine_stats[c] = std::move(*fine);
      }
      ctx.Report("k-means fine", done.fetch_add(1) + 1, coarse_k);
    }
  });
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hierarchical k-means"));
  for (size_t c = 0; c < coarse_k; ++c) {
    KILN_RETURN_IF_ERROR(fine_status[c]);
    result.centroids.insert(result.centroids.end(), fine_centroids[c].begin(), fine_centroids[c].end());
    result.distance_evaluations += fine_stats[c].distance_evaluations;
    result.objective += fine_stats[c].objective;
    result.empty_cluster_splits += fine_stats[c].empty_cluster_splits;
  }
  out.fine = std::move(result);
  out.coarse = std::move(coarse.centroids);
  out.coarse_k = coarse_k;
  return out;
}

}  // namespace kiln::cluster
