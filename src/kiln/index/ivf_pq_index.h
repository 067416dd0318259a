// IVF-PQ: an IvfIndex whose lists store ProductQuantizer codes of the
// residuals x - centroid (by_residual = true, the factory default) or of the
// vectors themselves. Faiss equivalent: IndexIVFPQ ("IVF<nlist>,PQ<M>np";
// kiln does no polysemous training, so "PQ<M>" builds the same index).
//
// Training: k-means of the coarse centroids, then the product quantizer on at
// most 256·ksub training vectors (seed 1234, as Faiss's train_residual),
// their residuals when by_residual.
//
// Search per probed list c, with an ADC table as in Faiss's IVFPQScanner:
//   L2, by_residual:   ‖(q - c) - decode(code)‖², table of the residual q - c
//   IP, by_residual:   q·c + q·decode(code), one table of q per query
//   without residual:  the table of q (IP: no coarse term)
// Faiss computes the L2 case with its precomputed tables (‖c‖² + 2c·y terms);
// the values agree up to float rounding.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/ivf_index.h"
#include "kiln/quant/pq/product_quantizer.h"

namespace kiln::index {

class IvfPqIndex final : public IvfIndex {
 public:
  // The shape must be valid (see Create); aborts otherwise.
  IvfPqIndex(size_t d, Metric metric, size_t nlist, size_t M, size_t nbits = 8,
             IvfTrainParams params = {}, bool by_residual = true);
  // InvalidArgument unless 1 <= d <= kMaxDimension, nlist >= 1, M >= 1,
  // d % M == 0 and 1 <= nbits <= 12 (messages name the values).
  static StatusOr<std::unique_ptr<IvfPqIndex>> Create(size_t d, Metric metric, size_t nlist,
                                                      size_t M, size_t nbits = 8,
                                                      IvfTrainParams params = {},
                                                      bool by_residual = true);
  // For readers: InvalidArgument unless pq is trained with pq.d() ==
  // quantizer->d(), lists.code_size() == pq.code_size() and the IVF parts
  // are consistent.
  static StatusOr<std::unique_ptr<IvfPqIndex>> FromParts(Metric metric,
                                                         std::unique_ptr<FlatIndex> quantizer,
                                                         quant::ProductQuantizer pq,
                                                         bool by_residual, InvertedLists lists,
                                                         size_t ntotal, size_t nprobe);

  // "IVF256,PQ16" (nbits 8) or "IVF256,PQ16x4".
  std::string Describe() const override;

  const quant::ProductQuantizer& pq() const { return pq_; }
  size_t M() const { return pq_.M(); }
  size_t nbits() const { return pq_.nbits(); }
  bool by_residual() const { return by_residual_; }

 protected:
  Status TrainEncoder(const float* x, size_t n, const ExecContext& ctx) override;
  bool EncoderTrained() const override { return pq_.is_trained(); }
  const uint8_t* EncodeBlock(const float* x, const idx_t* list_nos, size_t n,
                             std::vector<uint8_t>* buffer, const ExecContext& ctx) const override;
  std::unique_ptr<IvfListScanner> MakeScanner() const override;

 private:
  IvfPqIndex(Metric metric, quant::ProductQuantizer pq, size_t nlist, bool by_residual);

  quant::ProductQuantizer pq_;
  bool by_residual_;
};

}  // namespace kiln::index
