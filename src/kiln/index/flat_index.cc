#include "kiln/index/flat_index.h"

#include "kiln/base/check.h"
#include "kiln/index/prepared_vectors.h"
#include "kiln/linalg/knn.h"
#include "kiln/linalg/norms.h"

namespace kiln::index {

FlatIndex::FlatIndex(size_t d, Metric metric) : Index(d, metric) { KILN_CHECK(d > 0); }

StatusOr<std::unique_ptr<FlatIndex>> FlatIndex::FromVectors(size_t d, Metric metric,
                                                            std::vector<float> vectors) {
  if (d == 0) return InvalidArgumentError("flat index: dimension d must be at least 1, found 0");
  if (vectors.size() % d != 0)
    return InvalidArgumentError("flat index: {} floats is not a whole number of rows of d = {}",
                                vectors.size(), d);
  auto index = std::make_unique<FlatIndex>(d, metric);
  index->vectors_ = std::move(vectors);
  if (metric == Metric::kL2) {
    const size_t n = index->ntotal();
    index->norms_.resize(n);
    ThreadPool inline_pool(1);
    linalg::RowNormsSqr(index->vectors_.data(), n, d, index->norms_.data(), inline_pool);
  }
  return index;
}

std::unique_ptr<FlatIndex> FlatIndex::FromMappedRows(size_t d, Metric metric, const float* rows, size_t n,
                                                     std::shared_ptr<const MappedFile> file) {
  KILN_CHECK(file != nullptr && metric != Metric::kCosine);
  const auto* begin = reinterpret_cast<const uint8_t*>(rows);
  KILN_CHECK(begin >= file->data() && begin + n * d * sizeof(float) <= file->data() + file->size());
  auto index = std::make_unique<FlatIndex>(d, metric);
  index->mapped_rows_ = rows;
  index->mapped_n_ = n;
  index->rows_file_ = std::move(file);
  return index;
}

Status FlatIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  (void)ctx;
  return CheckTrainArgs(x, n);  // nothing to learn
}

Status FlatIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("add"));
  PreparedVectors prepared(x, n, d(), metric(), *ctx.pool);
  AppendPrepared(prepared.data(), n, *ctx.pool);
  ctx.Report("add", n, n);
  return OkStatus();
}

void FlatIndex::AppendPrepared(const float* x, size_t n, ThreadPool& pool) {
  if (n == 0) return;
  const size_t old_n = ntotal();
  if (mapped_rows_ != nullptr) {  // the rows in the file become owned ones
    vectors_.assign(mapped_rows_, mapped_rows_ + old_n * d());
    if (metric() == Metric::kL2) {
      norms_.resize(old_n);
      linalg::RowNormsSqr(vectors_.data(), old_n, d(), norms_.data(), pool);
    }
    mapped_rows_ = nullptr;
    mapped_n_ = 0;
    rows_file_.reset();
  }
  vectors_.insert(vectors_.end(), x, x + n * d());
  if (metric() == Metric::kL2) {
    norms_.resize(old_n + n);
    linalg::RowNormsSqr(x, n, d(), norms_.data() + old_n, pool);
  }
}

Status FlatIndex::Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                         float* distances, idx_t* labels, const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  if (nq == 0) return OkStatus();
  PreparedVectors prepared(queries, nq, d(), metric(), *ctx.pool);
  return SearchPrepared(prepared.data(), nq, k, distances, labels, ctx);
}

Status FlatIndex::SearchPrepared(const float* queries, size_t nq, size_t k, float* distances,
                                 idx_t* labels, const ExecContext& ctx) const {
  return linalg::ExactKnn(queries, nq, vectors(), ntotal(), d(), metric(), k,
                          norms_.empty() ? nullptr : norms_.data(), distances, labels, ctx);
}

}  // namespace kiln::index
