#include "kiln/index/sq_index.h"

#include <algorithm>

#include "kiln/index/prepared_vectors.h"
#include "kiln/linalg/topk.h"
#include "kiln/quant/sq/sq_distance.h"

namespace kiln::index {
namespace {
// Queries per block of Search and codes per kernel call.
constexpr size_t kQueryBlock = 1024;
constexpr size_t kScanBlock = 1024;
}  // namespace

ScalarQuantizerIndex::ScalarQuantizerIndex(size_t d, Metric metric, quant::SqType type)
    : Index(d, metric), sq_(d, type) {}

StatusOr<std::unique_ptr<ScalarQuantizerIndex>> ScalarQuantizerIndex::FromParts(
    Metric metric, quant::ScalarQuantizer sq, std::vector<uint8_t> codes) {
  if (!sq.is_trained())
    return InvalidArgumentError("SQ index: the scalar quantizer {} is not trained",
                                quant::SqFactoryName(sq.type()));
  if (codes.size() % sq.code_size() != 0)
    return InvalidArgumentError("SQ index: {} code bytes is not a multiple of code_size {}",
                                codes.size(), sq.code_size());
  auto index = std::make_unique<ScalarQuantizerIndex>(sq.d(), metric, sq.type());
  index->sq_ = std::move(sq);
  index->codes_ = std::move(codes);
  return index;
}

std::string ScalarQuantizerIndex::Describe() const {
  return std::string(quant::SqFactoryName(sq_.type()));
}

Status ScalarQuantizerIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckTrainArgs(x, n));
  if (ntotal() > 0)
    return FailedPreconditionError(
        "{}: train: the index already holds {} vectors; training again would invalidate "
        "their codes",
        Describe(), ntotal());
  PreparedVectors prepared(x, n, d(), metric(), *ctx.pool);
  return sq_.Train(prepared.data(), n, *ctx.pool).WithContext(Describe() + ": train");
}

Status ScalarQuantizerIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  return AppendEncoded(
      x, n, d(), metric(), code_size(),
      [&](const float* rows, size_t m, uint8_t* out) { sq_.Encode(rows, m, out, *ctx.pool); }, codes_, ctx);
}

Status ScalarQuantizerIndex::Search(const float* queries, size_t nq, size_t k,
                                    const SearchParams& params, float* distances, idx_t* labels,
                                    const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  ThreadPool& pool = *ctx.pool;
  const bool similarity = IsSimilarity(metric());
  const size_t cs = code_size(), nb = ntotal();
  for (size_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("search"));
    const size_t mq = std::min(kQueryBlock, nq - q0);
    PreparedVectors block(queries + q0 * d(), mq, d(), metric(), pool);
    pool.ParallelFor(mq, 4, [&](size_t i0, size_t i1, int) {
      quant::SqDistanceComputer dc(sq_, similarity);
      std::vector<float> scratch(kScanBlock);
      for (size_t i = i0; i < i1; ++i) {
        dc.SetQuery(block.data() + i * d());
        linalg::TopKMin heap(k);  // similarities enter negated
        for (size_t j0 = 0; j0 < nb; j0 += kScanBlock) {
          const size_t m = std::min(kScanBlock, nb - j0);
          dc.ToCodes(codes_.data() + j0 * cs, m, scratch.data());
          float threshold = heap.threshold();
          for (size_t j = 0; j < m; ++j) {
            const float v = similarity ? -scratch[j] : scratch[j];
            if (v < threshold) {
              heap.Push(v, static_cast<idx_t>(j0 + j));
              threshold = heap.threshold();
            }
          }
        }
        float* dist = distances + (q0 + i) * k;
        heap.Extract(dist, labels + (q0 + i) * k);
        if (similarity) {
          for (size_t j = 0; j < k; ++j) dist[j] = -dist[j];
        }
      }
    });
  }
  return OkStatus();
}

}  // namespace kiln::index
