// Product quantizer (Faiss ProductQuantizer): a d-dimensional vector is cut
// into M sub-vectors of dsub = d/M dimensions and each sub-vector is replaced
// by the index of its nearest centroid among ksub = 2^nbits centroids learnt
// by k-means in that sub-space. A code is M indices, code_size =
// ceil(M·nbits/8) bytes: one byte per sub-quantizer when nbits == 8, otherwise
// bit-packed LSB-first (index m at bit m·nbits, Faiss's PQEncoderGeneric).
//
// Centroids are stored as Faiss stores them: an M × ksub × dsub float table
// (sub-space m, centroid j at (m·ksub + j)·dsub).
//
// Distances to codes are asymmetric (ADC): a query's M×ksub table holds the
// distance (squared L2) or inner product of each query sub-vector to each
// sub-centroid; the distance to a code is the sum of its M table entries,
// added in order m = 0..M-1 (as Faiss does, so results match bit for bit).
//
// nbits: kiln accepts 1..12. Faiss 1.7.3's IndexPQ and readers accept any of
// these, but its IndexIVFPQ constructor rejects nbits > 8 (lifted in 1.7.4).
// Polysemous training (Faiss's default unless the factory string ends in
// "np") is not implemented: codes keep k-means order.
#pragma once

#include "kiln/cluster/kmeans.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/base/types.h"

namespace kiln::quant {

struct PqTrainParams {
  /// k-means iterations per sub-space (Faiss: 25).
  int niter = 25;
  /// Train on at most max_points_per_centroid·ksub points (Faiss: 256, i.e.
  /// 65,536 points for nbits = 8); 0 disables the cap.
  size_t max_points_per_centroid = 256;
  /// Seed of the subsample and of every sub-space's k-means (Faiss: 1234).
  uint64_t seed = 1234;
  /// true: the M sub-space k-means run concurrently, one per worker thread;
  /// false: one after the other, each using the whole pool.
  bool parallel_subspaces = true;
  /// Initialisation of each sub-space's k-means. k-means++ never seeds two
  /// centroids on identical points (common in sub-spaces of sparse or
  /// padded data) and costs little at ksub ≤ 4096.
  cluster::KMeansInit init = cluster::KMeansInit::kKMeansPlusPlus;
};

class ProductQuantizer {
 public:
  static constexpr size_t kMaxNbits = 12;

  // InvalidArgument unless d >= 1, M >= 1, d % M == 0 and 1 <= nbits <= 12;
  // the message names the values.
  static Status Validate(size_t d, size_t M, size_t nbits);
  // An untrained quantizer.
  static StatusOr<ProductQuantizer> Create(size_t d, size_t M, size_t nbits = 8);
  // A trained quantizer from an M×ksub×dsub centroid table (readers, tests).
  static StatusOr<ProductQuantizer> FromCentroids(size_t d, size_t M, size_t nbits,
                                                  std::vector<float> centroids);

  size_t d() const { return d_; }
  size_t M() const { return M_; }
  size_t nbits() const { return nbits_; }
  size_t ksub() const { return size_t{1} << nbits_; }
  size_t dsub() const { return d_ / M_; }
  size_t code_size() const { return (M_ * nbits_ + 7) / 8; }
  bool is_trained() const { return !centroids_.empty(); }
  // M×ksub×dsub; empty before training.
  const std::vector<float>& centroids() const { return centroids_; }
  const float* centroid(size_t m, size_t j) const {
    return centroids_.data() + (m * ksub() + j) * dsub();
  }

  // k-means in each sub-space on (a seeded subsample of) the n×d vectors x.
  // InvalidArgument when n < ksub; Cancelled when ctx.cancel fires.
  // Progress: phase "pq train", done = sub-spaces trained, total = M.
  Status Train(const float* x, size_t n, const PqTrainParams& params, const ExecContext& ctx);

  // Writes the n codes of the n×d vectors x (n·code_size bytes). Requires a
  // trained quantizer. Parallel over blocks of vectors.
  void Encode(const float* x, size_t n, uint8_t* codes, ThreadPool& pool) const;
  // Reconstructs n×d vectors from n codes.
  void Decode(const uint8_t* codes, size_t n, float* x) const;
  // The M sub-centroid indices of one code.
  void UnpackCode(const uint8_t* code, uint32_t* indices) const;
  void PackCode(const uint32_t* indices, uint8_t* code) const;

  // table (M×ksub): squared L2 distance (metric kL2) or inner product (any
  // other metric) of each query sub-vector to each sub-centroid. SIMD.
  void ComputeDistanceTable(const float* query, Metric metric, float* table) const;
  // out[i] = sum over m of table[m·ksub + index_m(code i)], for n codes.
  // Dispatched on simd::ActiveSimdLevel() (AVX-512 gathers for nbits 8).
  void ScanCodes(const float* table, const uint8_t* codes, size_t n, float* out) const;

 private:
  ProductQuantizer(size_t d, size_t M, size_t nbits) : d_(d), M_(M), nbits_(nbits) {}
  Status TrainSubspace(const float* xs, size_t n, size_t m, const PqTrainParams& params,
                       const ExecContext& ctx);

  size_t d_;
  size_t M_;
  size_t nbits_;
  std::vector<float> centroids_;
};

}  // namespace kiln::quant
