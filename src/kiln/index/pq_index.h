// Flat product-quantizer index: every added vector is stored as a PQ code
// (quant/pq/product_quantizer.h) and a search compares the query with all
// codes through its ADC distance table. Faiss equivalent: IndexPQ
// ("PQ<M>", "PQ<M>x<nbits>"; kiln does no polysemous training, so Faiss's
// "PQ<M>np" is the exact counterpart).
//
// Distances are approximate: squared L2 from the query to the decoded vector
// (kL2), or the inner product with it (kInnerProduct, kCosine), exactly as
// Faiss's IndexPQ computes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/index.h"
#include "kiln/quant/pq/product_quantizer.h"

namespace kiln::index {

class PqIndex final : public Index {
 public:
  // The shape must be valid (see Create); aborts otherwise.
  PqIndex(size_t d, Metric metric, size_t M, size_t nbits = 8,
          quant::PqTrainParams params = {});
  // InvalidArgument unless 1 <= d <= kMaxDimension, M >= 1, d % M == 0 and
  // 1 <= nbits <= 12 (messages as Faiss's, with the values).
  static StatusOr<std::unique_ptr<PqIndex>> Create(size_t d, Metric metric, size_t M,
                                                   size_t nbits = 8,
                                                   quant::PqTrainParams params = {});
  // Assembles a trained index (for readers): codes holds ntotal·code_size
  // bytes. InvalidArgument when pq is untrained or the codes are not whole.
  static StatusOr<std::unique_ptr<PqIndex>> FromParts(Metric metric, quant::ProductQuantizer pq,
                                                      std::vector<uint8_t> codes);

  size_t ntotal() const override { return codes_.size() / pq_.code_size(); }
  bool is_trained() const override { return pq_.is_trained(); }
  // "PQ16" (nbits 8) or "PQ16x4".
  std::string Describe() const override;

  // Trains the product quantizer (progress phase "pq train"). InvalidArgument
  // when n < 2^nbits; FailedPrecondition if the index already holds vectors.
  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // Encodes and appends; progress "add". On cancellation the blocks added so
  // far stay.
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Exhaustive ADC search (params.nprobe is ignored); parallel over queries.
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  const quant::ProductQuantizer& pq() const { return pq_; }
  size_t M() const { return pq_.M(); }
  size_t nbits() const { return pq_.nbits(); }
  size_t code_size() const { return pq_.code_size(); }
  // ntotal·code_size bytes, in add order.
  const std::vector<uint8_t>& codes() const { return codes_; }

 private:
  PqIndex(Metric metric, quant::ProductQuantizer pq);
  // Top-k of one prepared query over all codes.
  void SearchOne(const float* query, size_t k, float* table, float* scratch, float* distances,
                 idx_t* labels) const;

  quant::ProductQuantizer pq_;
  quant::PqTrainParams train_params_;
  std::vector<uint8_t> codes_;
};

}  // namespace kiln::index
