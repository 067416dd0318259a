#include "kiln/job/self_recall.h"

#include <chrono>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "kiln/base/stopwatch.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/job/load_index.h"
#include "kiln/linalg/knn.h"

namespace kiln::job {
namespace {

void NormalizeRows(std::vector<float>& x, size_t d) {
  for (size_t i = 0; i < x.size() / d; ++i) {
    double norm = 0;
    for (size_t j = 0; j < d; ++j) norm += static_cast<double>(x[i * d + j]) * x[i * d + j];
    const float scale = norm > 0 ? static_cast<float>(1 / std::sqrt(norm)) : 0.f;
    for (size_t j = 0; j < d; ++j) x[i * d + j] *= scale;
  }
}

}  // namespace

StatusOr<RecallReport> EvaluateSelfRecall(const std::string& index_path, const BuildRequest& request, size_t nq,
                                          size_t k, size_t nprobe, const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(LoadedIndex loaded, LoadIndex(index_path));
  KILN_ASSIGN_OR_RETURN(Dataset data, ReadVectors(request.input, request.read_options));
  const size_t n = data.n(), d = data.d();
  std::vector<idx_t> ids;
  if (request.ids_path) {
    KILN_ASSIGN_OR_RETURN(ids, ReadIds(*request.ids_path));
    if (ids.size() != n) return InvalidArgumentError("{}: {} ids for {} vectors", *request.ids_path, ids.size(), n);
  }
  nq = std::min(nq, n);
  k = std::min(k, n);
  RecallReport report{nq, k, nprobe, 0, 0};
  if (nq == 0 || k == 0) return report;

  std::vector<float> base(data.data(), data.data() + n * d);
  Metric metric = request.metric;
  if (metric == Metric::kCosine) {  // stored as inner product over normalised vectors
    NormalizeRows(base, d);
    metric = Metric::kInnerProduct;
  }
  std::vector<float> queries(nq * d);
  for (size_t i = 0; i < nq; ++i) std::copy_n(base.data() + (i * n / nq) * d, d, queries.data() + i * d);

  std::vector<float> exact_distances(nq * k), distances(nq * k);
  std::vector<idx_t> exact(nq * k), found(nq * k);
  KILN_RETURN_IF_ERROR(linalg::ExactKnn(queries.data(), nq, base.data(), n, d, metric, k, nullptr,
                                        exact_distances.data(), exact.data(), ctx));
  const auto start = std::chrono::steady_clock::now();
  index::SearchParams params;
  params.nprobe = nprobe;
  KILN_RETURN_IF_ERROR(loaded.index->Search(queries.data(), nq, k, params, distances.data(), found.data(), ctx));
  report.search_seconds = SecondsSince(start);

  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    std::unordered_set<idx_t> truth;
    for (size_t j = 0; j < k; ++j) {
      const idx_t row = exact[q * k + j];
      if (row >= 0) truth.insert(ids.empty() ? row : ids[static_cast<size_t>(row)]);
    }
    for (size_t j = 0; j < k; ++j) hits += truth.count(found[q * k + j]);
  }
  report.recall = static_cast<double>(hits) / static_cast<double>(nq * k);
  return report;
}

}  // namespace kiln::job
