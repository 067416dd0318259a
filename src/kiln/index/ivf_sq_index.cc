#include "kiln/index/ivf_sq_index.h"

#include <algorithm>

#include "kiln/cluster/sampling.h"
#include "kiln/quant/sq/sq_distance.h"

namespace kiln::index {
namespace {

class SqScanner final : public IvfListScanner {
 public:
  SqScanner(const quant::ScalarQuantizer& sq, const FlatIndex& quantizer, bool similarity,
            bool by_residual)
      : dc_(sq, similarity),
        centroids_(quantizer.vectors()),
        d_(sq.d()),
        similarity_(similarity),
        by_residual_(by_residual),
        residual_(by_residual && !similarity ? sq.d() : 0) {}

  void SetQuery(const float* query) override {
    query_ = query;
    if (!by_residual_ || similarity_) dc_.SetQuery(query);
  }
  void SetList(size_t list_no, float coarse) override {
    if (!by_residual_) return;
    if (similarity_) {
      bias_ = coarse;  // q·c; the codes hold x - c
      return;
    }
    const float* c = centroids_ + list_no * d_;
    for (size_t j = 0; j < d_; ++j) residual_[j] = query_[j] - c[j];
    dc_.SetQuery(residual_.data());
  }
  void Scan(const uint8_t* codes, size_t n, float* out) override {
    dc_.ToCodes(codes, n, out);
    if (bias_ != 0.0f) {
      for (size_t j = 0; j < n; ++j) out[j] += bias_;
    }
  }

 private:
  quant::SqDistanceComputer dc_;
  const float* centroids_;
  size_t d_;
  bool similarity_, by_residual_;
  std::vector<float> residual_;
  const float* query_ = nullptr;
  float bias_ = 0.0f;
};

}  // namespace

IvfScalarQuantizerIndex::IvfScalarQuantizerIndex(size_t d, Metric metric, size_t nlist,
                                                 quant::SqType type, IvfTrainParams params,
                                                 bool by_residual)
    : IvfIndex(d, metric, nlist, quant::ScalarQuantizer::CodeSize(type, d), params),
      sq_(d, type),
      by_residual_(by_residual) {}

StatusOr<std::unique_ptr<IvfScalarQuantizerIndex>> IvfScalarQuantizerIndex::FromParts(
    Metric metric, std::unique_ptr<FlatIndex> quantizer, quant::ScalarQuantizer sq,
    bool by_residual, InvertedLists lists, size_t ntotal, size_t nprobe) {
  if (quantizer == nullptr) return InvalidArgumentError("IVF index: no coarse quantizer");
  if (!sq.is_trained())
    return InvalidArgumentError("IVF-SQ index: the scalar quantizer {} is not trained",
                                quant::SqFactoryName(sq.type()));
  if (sq.d() != quantizer->d())
    return InvalidArgumentError("IVF-SQ index: scalar quantizer d = {} differs from d = {}",
                                sq.d(), quantizer->d());
  if (lists.nlist() == 0)
    return InvalidArgumentError("IVF index: nlist must be at least 1, found 0");
  auto index = std::make_unique<IvfScalarQuantizerIndex>(sq.d(), metric, lists.nlist(), sq.type(),
                                                         IvfTrainParams{}, by_residual);
  index->sq_ = std::move(sq);
  KILN_RETURN_IF_ERROR(index->SetParts(std::move(quantizer), std::move(lists), ntotal, nprobe));
  return index;
}

std::string IvfScalarQuantizerIndex::Describe() const {
  return fmt::format("IVF{},{}", nlist(), quant::SqFactoryName(sq_.type()));
}

Status IvfScalarQuantizerIndex::TrainEncoder(const float* x, size_t n, const ExecContext& ctx) {
  // Faiss ScalarQuantizer::train_residual: at most 100k vectors, seed 1234.
  std::vector<float> storage;
  KILN_ASSIGN_OR_RETURN(x, EncoderTrainingSet(x, n, kIvfSqMaxTrainingVectors, kIvfSqTrainingSeed,
                                              by_residual_, storage, ctx));
  return sq_.Train(x, n, *ctx.pool).WithContext(Describe() + ": train");
}

const uint8_t* IvfScalarQuantizerIndex::EncodeBlock(const float* x, const idx_t* list_nos,
                                                    size_t n, std::vector<uint8_t>* buffer,
                                                    const ExecContext& ctx) const {
  buffer->resize(n * code_size());
  if (!by_residual_) {
    sq_.Encode(x, n, buffer->data(), *ctx.pool);
    return buffer->data();
  }
  // Residuals and codes per chunk, so the residuals stay in cache.
  const float* centroids = quantizer()->vectors();
  const size_t dim = d(), cs = code_size();
  uint8_t* codes = buffer->data();
  ctx.pool->ParallelFor(n, 256, [&](size_t r0, size_t r1, int) {
    std::vector<float> residual(dim);
    for (size_t r = r0; r < r1; ++r) {
      const float* c = centroids + static_cast<size_t>(list_nos[r]) * dim;
      for (size_t j = 0; j < dim; ++j) residual[j] = x[r * dim + j] - c[j];
      sq_.EncodeOne(residual.data(), codes + r * cs);
    }
  });
  return codes;
}

std::unique_ptr<IvfListScanner> IvfScalarQuantizerIndex::MakeScanner() const {
  return std::make_unique<SqScanner>(sq_, *quantizer(), IsSimilarity(metric()), by_residual_);
}

}  // namespace kiln::index
