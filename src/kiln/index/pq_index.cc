#include "kiln/index/pq_index.h"

#include <algorithm>

#include "kiln/base/check.h"
#include "kiln/index/prepared_vectors.h"
#include "kiln/linalg/topk.h"

namespace kiln::index {
namespace {
// Queries per block between cancellation polls.
constexpr size_t kQueryBlock = 256;
// Codes per scan-kernel call: the scratch distances stay in L1.
constexpr size_t kScanBlock = 1024;

quant::ProductQuantizer MustCreate(size_t d, size_t M, size_t nbits) {
  auto pq = quant::ProductQuantizer::Create(d, M, nbits);
  KILN_CHECK(pq.ok());
  return std::move(pq).value();
}
}  // namespace

PqIndex::PqIndex(size_t d, Metric metric, size_t M, size_t nbits, quant::PqTrainParams params)
    : Index(d, metric), pq_(MustCreate(d, M, nbits)), train_params_(params) {
  KILN_CHECK(d <= kMaxDimension);
}

PqIndex::PqIndex(Metric metric, quant::ProductQuantizer pq)
    : Index(pq.d(), metric), pq_(std::move(pq)) {}

StatusOr<std::unique_ptr<PqIndex>> PqIndex::Create(size_t d, Metric metric, size_t M,
                                                   size_t nbits, quant::PqTrainParams params) {
  if (d > kMaxDimension)
    return InvalidArgumentError("PQ index: dimension d = {} exceeds the maximum {}", d,
                                kMaxDimension);
  KILN_RETURN_IF_ERROR(quant::ProductQuantizer::Validate(d, M, nbits));
  return std::make_unique<PqIndex>(d, metric, M, nbits, params);
}

StatusOr<std::unique_ptr<PqIndex>> PqIndex::FromParts(Metric metric, quant::ProductQuantizer pq,
                                                      std::vector<uint8_t> codes) {
  if (!pq.is_trained()) return InvalidArgumentError("PQ index: product quantizer is not trained");
  if (codes.size() % pq.code_size() != 0)
    return InvalidArgumentError("PQ index: {} code bytes is not a whole number of {}-byte codes",
                                codes.size(), pq.code_size());
  auto index = std::unique_ptr<PqIndex>(new PqIndex(metric, std::move(pq)));
  index->codes_ = std::move(codes);
  return index;
}

std::string PqIndex::Describe() const {
  if (pq_.nbits() == 8) return fmt::format("PQ{}", pq_.M());
  return fmt::format("PQ{}x{}", pq_.M(), pq_.nbits());
}

Status PqIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckTrainArgs(x, n));
  if (!codes_.empty())
    return FailedPreconditionError("{}: train while the index holds {} vectors", Describe(),
                                   ntotal());
  if (n < pq_.ksub())
    return InvalidArgumentError("{}: training needs at least 2^{} = {} vectors, found {}",
                                Describe(), pq_.nbits(), pq_.ksub(), n);
  PreparedVectors prepared(x, n, d(), metric(), *ctx.pool);
  return pq_.Train(prepared.data(), n, train_params_, ctx);
}

Status PqIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  return AppendEncoded(
      x, n, d(), metric(), pq_.code_size(),
      [&](const float* rows, size_t m, uint8_t* out) { pq_.Encode(rows, m, out, *ctx.pool); }, codes_, ctx);
}

void PqIndex::SearchOne(const float* query, size_t k, float* table, float* scratch,
                        float* distances, idx_t* labels) const {
  const bool similarity = IsSimilarity(metric());
  pq_.ComputeDistanceTable(query, metric(), table);
  linalg::TopKMin heap(k);  // similarities enter negated
  const size_t n = ntotal(), cs = pq_.code_size();
  for (size_t j0 = 0; j0 < n; j0 += kScanBlock) {
    const size_t m = std::min(kScanBlock, n - j0);
    pq_.ScanCodes(table, codes_.data() + j0 * cs, m, scratch);
    float threshold = heap.threshold();
    for (size_t j = 0; j < m; ++j) {
      const float v = similarity ? -scratch[j] : scratch[j];
      if (v < threshold) {
        heap.Push(v, static_cast<idx_t>(j0 + j));
        threshold = heap.threshold();
      }
    }
  }
  heap.Extract(distances, labels);  // missing slots: (+inf, -1)
  if (similarity) {
    for (size_t j = 0; j < k; ++j) distances[j] = -distances[j];
  }
}

Status PqIndex::Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                       float* distances, idx_t* labels, const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  ThreadPool& pool = *ctx.pool;
  const size_t threads = static_cast<size_t>(pool.num_threads());
  std::vector<std::vector<float>> tables(threads, std::vector<float>(pq_.M() * pq_.ksub()));
  std::vector<std::vector<float>> scratch(threads, std::vector<float>(kScanBlock));
  for (size_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("search"));
    const size_t mq = std::min(kQueryBlock, nq - q0);
    PreparedVectors block(queries + q0 * d(), mq, d(), metric(), pool);
    pool.ParallelFor(mq, 1, [&](size_t i0, size_t i1, int w) {
      for (size_t i = i0; i < i1; ++i)
        SearchOne(block.data() + i * d(), k, tables[w].data(), scratch[w].data(),
                  distances + (q0 + i) * k, labels + (q0 + i) * k);
    });
  }
  return OkStatus();
}

}  // namespace kiln::index
