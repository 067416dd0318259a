// Exact (brute-force) index: stores every vector and compares each query with
// all of them. Faiss equivalent: IndexFlat (IndexFlatL2 / IndexFlatIP), also
// used as the coarse quantizer of IVF indexes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/index.h"

namespace kiln::index {

class FlatIndex final : public Index {
 public:
  // d must be at least 1.
  FlatIndex(size_t d, Metric metric);
  // Builds an index over ntotal = vectors.size() / d stored rows (for readers:
  // the rows are taken as stored, so cosine rows must already be unit norm).
  // InvalidArgument when d == 0 or vectors.size() is not a multiple of d.
  static StatusOr<std::unique_ptr<FlatIndex>> FromVectors(size_t d, Metric metric,
                                                          std::vector<float> vectors);

  size_t ntotal() const override { return vectors_.size() / d(); }
  bool is_trained() const override { return true; }
  std::string Describe() const override { return "Flat"; }

  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  // Stored rows, ntotal×d (unit norm for cosine).
  const float* vectors() const { return vectors_.data(); }
  // ||x||² of each stored row for Metric::kL2; empty for similarities.
  const std::vector<float>& norms() const { return norms_; }

  // Search without argument checks or cosine normalisation: the queries must
  // already be prepared (see PreparedVectors) and k >= 1. For IVF quantizers.
  Status SearchPrepared(const float* queries, size_t nq, size_t k, float* distances, idx_t* labels,
                        const ExecContext& ctx) const;

 private:
  // Appends prepared rows and their norms.
  void AppendPrepared(const float* x, size_t n, ThreadPool& pool);

  std::vector<float> vectors_;
  std::vector<float> norms_;
};

}  // namespace kiln::index
