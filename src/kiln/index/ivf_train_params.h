// Training parameters of IVF coarse quantizers.
#pragma once

#include "kiln/cluster/kmeans.h"

namespace kiln::index {

// Faiss's Level1Quantizer defaults: niter 10, at most 256 training points per
// centroid, seed 1234 (the rest as cluster::KMeansParams).
inline cluster::KMeansParams DefaultIvfKMeansParams() {
  cluster::KMeansParams params;
  params.niter = 10;
  params.max_points_per_centroid = 256;
  params.seed = 1234;
  return params;
}

struct IvfTrainParams {
  /// k-means of the nlist centroids.
  cluster::KMeansParams kmeans = DefaultIvfKMeansParams();
  /// Like Faiss's IndexIVF, use spherical k-means (unit centroids) for inner
  /// product and cosine, whatever kmeans.spherical says. When false,
  /// kmeans.spherical alone decides.
  bool spherical_for_similarity = true;
};

}  // namespace kiln::index
