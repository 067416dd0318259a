#include "kiln/index/ivf_pq_index.h"

#include <algorithm>

#include "kiln/base/check.h"
#include "kiln/cluster/sampling.h"

namespace kiln::index {
namespace {

// Rows whose residuals are encoded together (they stay in cache).
constexpr size_t kEncodeChunk = 256;

quant::ProductQuantizer MustCreate(size_t d, size_t M, size_t nbits) {
  auto pq = quant::ProductQuantizer::Create(d, M, nbits);
  KILN_CHECK(pq.ok());
  return std::move(pq).value();
}

// ADC scanner (Faiss IVFPQScanner without precomputed tables): see the
// header for the distance of each metric / by_residual case.
class PqScanner final : public IvfListScanner {
 public:
  PqScanner(const quant::ProductQuantizer& pq, const FlatIndex& quantizer, Metric metric,
            bool by_residual)
      : pq_(pq),
        centroids_(quantizer.vectors()),
        metric_(metric),
        residual_table_(by_residual && !IsSimilarity(metric)),
        coarse_bias_(by_residual && IsSimilarity(metric)),
        table_(pq.M() * pq.ksub()),
        residual_(residual_table_ ? pq.d() : 0) {}

  void SetQuery(const float* query) override {
    query_ = query;
    if (!residual_table_) pq_.ComputeDistanceTable(query, metric_, table_.data());
  }
  void SetList(size_t list_no, float coarse) override {
    if (coarse_bias_) bias_ = coarse;  // q·c; the codes hold x - c
    if (!residual_table_) return;
    const size_t d = pq_.d();
    const float* c = centroids_ + list_no * d;
    for (size_t j = 0; j < d; ++j) residual_[j] = query_[j] - c[j];
    pq_.ComputeDistanceTable(residual_.data(), metric_, table_.data());
  }
  void Scan(const uint8_t* codes, size_t n, float* out) override {
    pq_.ScanCodes(table_.data(), codes, n, out);
    if (coarse_bias_) {
      for (size_t j = 0; j < n; ++j) out[j] += bias_;
    }
  }

 private:
  const quant::ProductQuantizer& pq_;
  const float* centroids_;
  Metric metric_;
  bool residual_table_, coarse_bias_;
  std::vector<float> table_;
  std::vector<float> residual_;
  const float* query_ = nullptr;
  float bias_ = 0.0f;
};

}  // namespace

IvfPqIndex::IvfPqIndex(size_t d, Metric metric, size_t nlist, size_t M, size_t nbits,
                       IvfTrainParams params, bool by_residual)
    : IvfIndex(d, metric, nlist, MustCreate(d, M, nbits).code_size(), params),
      pq_(MustCreate(d, M, nbits)),
      by_residual_(by_residual) {
  KILN_CHECK(d <= kMaxDimension);
}

IvfPqIndex::IvfPqIndex(Metric metric, quant::ProductQuantizer pq, size_t nlist, bool by_residual)
    : IvfIndex(pq.d(), metric, nlist, pq.code_size(), IvfTrainParams{}),
      pq_(std::move(pq)),
      by_residual_(by_residual) {}

StatusOr<std::unique_ptr<IvfPqIndex>> IvfPqIndex::Create(size_t d, Metric metric, size_t nlist,
                                                         size_t M, size_t nbits,
                                                         IvfTrainParams params, bool by_residual) {
  if (d > kMaxDimension)
    return InvalidArgumentError("IVF-PQ index: dimension d = {} exceeds the maximum {}", d,
                                kMaxDimension);
  if (nlist == 0) return InvalidArgumentError("IVF-PQ index: nlist must be at least 1, found 0");
  KILN_RETURN_IF_ERROR(quant::ProductQuantizer::Validate(d, M, nbits));
  return std::make_unique<IvfPqIndex>(d, metric, nlist, M, nbits, params, by_residual);
}

StatusOr<std::unique_ptr<IvfPqIndex>> IvfPqIndex::FromParts(Metric metric,
                                                            std::unique_ptr<FlatIndex> quantizer,
                                                            quant::ProductQuantizer pq,
                                                            bool by_residual, InvertedLists lists,
                                                            size_t ntotal, size_t nprobe) {
  if (quantizer == nullptr) return InvalidArgumentError("IVF index: no coarse quantizer");
  if (!pq.is_trained())
    return InvalidArgumentError("IVF-PQ index: the product quantizer is not trained");
  if (pq.d() != quantizer->d())
    return InvalidArgumentError("IVF-PQ index: product quantizer d = {} differs from d = {}",
                                pq.d(), quantizer->d());
  if (lists.nlist() == 0)
    return InvalidArgumentError("IVF index: nlist must be at least 1, found 0");
  if (lists.code_size() != pq.code_size())
    return InvalidArgumentError("IVF-PQ index: list code_size {} differs from the PQ code_size {}",
                                lists.code_size(), pq.code_size());
  const size_t nlist = lists.nlist();
  auto index =
      std::unique_ptr<IvfPqIndex>(new IvfPqIndex(metric, std::move(pq), nlist, by_residual));
  KILN_RETURN_IF_ERROR(index->SetParts(std::move(quantizer), std::move(lists), ntotal, nprobe));
  return index;
}

std::string IvfPqIndex::Describe() const {
  if (pq_.nbits() == 8) return fmt::format("IVF{},PQ{}", nlist(), pq_.M());
  return fmt::format("IVF{},PQ{}x{}", nlist(), pq_.M(), pq_.nbits());
}

Status IvfPqIndex::TrainEncoder(const float* x, size_t n, const ExecContext& ctx) {
  // Faiss IndexIVFPQ::train_residual: at most max_points_per_centroid·ksub
  // vectors (seed 1234), then their residuals train the PQ.
  const quant::PqTrainParams params;
  const size_t cap = params.max_points_per_centroid * pq_.ksub();
  std::vector<float> storage;
  KILN_ASSIGN_OR_RETURN(x, EncoderTrainingSet(x, n, cap, params.seed, by_residual_, storage, ctx));
  if (n < pq_.ksub())
    return InvalidArgumentError("{}: training needs at least 2^{} = {} vectors, found {}",
                                Describe(), pq_.nbits(), pq_.ksub(), n);
  return pq_.Train(x, n, params, ctx).WithContext(Describe() + ": train");
}

const uint8_t* IvfPqIndex::EncodeBlock(const float* x, const idx_t* list_nos, size_t n,
                                       std::vector<uint8_t>* buffer,
                                       const ExecContext& ctx) const {
  buffer->resize(n * code_size());
  if (!by_residual_) {
    pq_.Encode(x, n, buffer->data(), *ctx.pool);
    return buffer->data();
  }
  const float* centroids = quantizer()->vectors();
  const size_t dim = d(), cs = code_size();
  uint8_t* codes = buffer->data();
  ThreadPool& pool = *ctx.pool;
  pool.ParallelFor(n, kEncodeChunk, [&](size_t r0, size_t r1, int) {
    std::vector<float> residual(std::min(kEncodeChunk, r1 - r0) * dim);
    for (size_t b0 = r0; b0 < r1; b0 += kEncodeChunk) {
      const size_t b = std::min(kEncodeChunk, r1 - b0);
      for (size_t r = 0; r < b; ++r) {
        const float* c = centroids + static_cast<size_t>(list_nos[b0 + r]) * dim;
        const float* v = x + (b0 + r) * dim;
        for (size_t j = 0; j < dim; ++j) residual[r * dim + j] = v[j] - c[j];
      }
      pq_.Encode(residual.data(), b, codes + b0 * cs, pool);  // runs inline here
    }
  });
  return codes;
}

std::unique_ptr<IvfListScanner> IvfPqIndex::MakeScanner() const {
  return std::make_unique<PqScanner>(pq_, *quantizer(), metric(), by_residual_);
}

}  // namespace kiln::index
