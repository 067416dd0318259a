// Exact (brute-force) index: stores every vector and compares each query with
// all of them. Faiss equivalent: IndexFlat (IndexFlatL2 / IndexFlatIP), also
// used as the coarse quantizer of IVF indexes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/base/mapped_file.h"
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
  // An index whose n stored rows are `rows` in place, inside `file` (which
  // it keeps mapped): no copy. The rows must be stored as given (not cosine).
  // L2 norms are left to the searches that need them; Add copies the rows
  // into owned memory first. Preconditions (checked, abort): the rows lie
  // inside the file, metric is not cosine.
  static std::unique_ptr<FlatIndex> FromMappedRows(size_t d, Metric metric, const float* rows, size_t n,
                                                   std::shared_ptr<const MappedFile> file);

  size_t ntotal() const override { return mapped_rows_ != nullptr ? mapped_n_ : vectors_.size() / d(); }
  bool is_trained() const override { return true; }
  std::string Describe() const override { return "Flat"; }

  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  // Stored rows, ntotal×d (unit norm for cosine).
  const float* vectors() const { return mapped_rows_ != nullptr ? mapped_rows_ : vectors_.data(); }
  // The file the rows are read from in place (FromMappedRows), or null.
  const MappedFile* rows_file() const { return rows_file_.get(); }
  // ||x||² of each stored row for Metric::kL2 (empty for rows in a file);
  // empty for similarities.
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
  const float* mapped_rows_ = nullptr;  // FromMappedRows: the rows in rows_file_
  size_t mapped_n_ = 0;
  std::shared_ptr<const MappedFile> rows_file_;
};

}  // namespace kiln::index
