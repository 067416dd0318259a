// Scalar-quantized flat index: every vector stored as a ScalarQuantizer code
// (quant/sq), searched exhaustively on the codes. Faiss equivalent:
// IndexScalarQuantizer ("SQ8", "SQ4", "SQ6", "SQfp16", "SQ8_direct", ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/index.h"
#include "kiln/quant/sq/scalar_quantizer.h"

namespace kiln::index {

class ScalarQuantizerIndex final : public Index {
 public:
  // d must be at least 1. fp16, bf16 and 8bit_direct need no training.
  ScalarQuantizerIndex(size_t d, Metric metric, quant::SqType type);
  // For readers: InvalidArgument unless sq.d() == d, sq is trained and codes
  // holds ntotal·code_size bytes.
  static StatusOr<std::unique_ptr<ScalarQuantizerIndex>> FromParts(Metric metric,
                                                                   quant::ScalarQuantizer sq,
                                                                   std::vector<uint8_t> codes);

  size_t ntotal() const override { return codes_.size() / sq_.code_size(); }
  bool is_trained() const override { return sq_.is_trained(); }
  std::string Describe() const override;

  // Ranges from all n vectors (Faiss's IndexScalarQuantizer trains on all of
  // them). FailedPrecondition if the index already holds vectors.
  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // Encodes the vectors in parallel. Progress: "add".
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Exhaustive scan of the codes, parallel over queries.
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  const quant::ScalarQuantizer& sq() const { return sq_; }
  size_t code_size() const { return sq_.code_size(); }
  // ntotal·code_size bytes, in id order.
  const std::vector<uint8_t>& codes() const { return codes_; }

 private:
  quant::ScalarQuantizer sq_;
  std::vector<uint8_t> codes_;
};

}  // namespace kiln::index
