// k-means clustering (Lloyd) for IVF coarse quantizers, PQ codebooks and
// partition trees. Assignment is GEMM-blocked (linalg/assign.h); exact
// triangle-inequality bounds skip points whose assignment cannot change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"

namespace kiln::cluster {

enum class KMeansInit {
  kRandom,        // k distinct sample points, Faiss's default
  kKMeansPlusPlus // D² sampling
};

struct KMeansParams {
  /// Lloyd iterations (Faiss: 25; IVF coarse quantizer: 10).
  int niter = 25;
  KMeansInit init = KMeansInit::kRandom;
  /// Renormalise centroids to unit L2 norm after each update (IP / cosine).
  bool spherical = false;
  /// Train on at most k * max_points_per_centroid points (Faiss: 256);
  /// 0 disables the cap.
  size_t max_points_per_centroid = 256;
  /// Below k * min_points_per_centroid points a warning is recorded (Faiss: 39).
  size_t min_points_per_centroid = 39;
  /// When in (0, 1], train on round(n * sample_rate) points instead of the
  /// max_points_per_centroid cap (Twitter's training_sample_rate).
  double sample_rate = 0;
  /// Seed of sampling and initialisation: same seed, data and thread count
  /// give the same centroids.
  uint64_t seed = 1234;
  /// Skip distance computations proven unnecessary by bounds (exact: same
  /// result as plain Lloyd up to float rounding).
  bool use_bounds = true;
  /// Early stop: end the run after an assignment step that moved at most
  /// this share of the training points (0: only a fully stable assignment
  /// stops before niter). Hierarchical k-means sets it for its fine level.
  double stop_moved_fraction = 0;
};

struct KMeansResult {
  std::vector<float> centroids;   // k×d
  size_t k = 0;
  size_t d = 0;
  size_t n_train = 0;             // points actually clustered (after sampling)
  int iterations = 0;
  double objective = 0;           // sum of squared distances at the last assignment
  uint64_t distance_evaluations = 0;  // point-centroid distances computed (for GFLOP/s)
  size_t empty_cluster_splits = 0;
  std::vector<std::string> warnings;
};

// Clusters the n×d points x into k centroids.
// Errors: InvalidArgument when n < k, k == 0 or d == 0 (with the values);
// Cancelled when ctx.cancel fires (checked every iteration).
// Progress is reported as phase "k-means", done = iteration, total = niter.
StatusOr<KMeansResult> TrainKMeans(const float* x, size_t n, size_t d, size_t k,
                                   const KMeansParams& params, const ExecContext& ctx);

}  // namespace kiln::cluster
