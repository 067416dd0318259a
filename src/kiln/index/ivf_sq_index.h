// IVF-SQ: an IvfIndex whose lists store ScalarQuantizer codes of the vectors
// (by_residual = false) or of their residuals x - centroid (by_residual =
// true, the factory default). Faiss equivalent: IndexIVFScalarQuantizer
// ("IVF<nlist>,SQ8", ...).
//
// Training: k-means of the centroids, then the quantizer's ranges from at
// most 100,000 training vectors (seed 1234, as Faiss's train_residual), their
// residuals when by_residual. Search with residuals: L2 compares the query's
// residual q - c with the codes; inner product adds q·c to q·decode(code),
// as Faiss's IVFSQScannerIP does.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/ivf_index.h"
#include "kiln/quant/sq/scalar_quantizer.h"

namespace kiln::index {

// Training vectors the scalar quantizer's ranges come from (Faiss 1.7.3).
inline constexpr size_t kIvfSqMaxTrainingVectors = 100000;
inline constexpr uint64_t kIvfSqTrainingSeed = 1234;

class IvfScalarQuantizerIndex final : public IvfIndex {
 public:
  // d and nlist must be at least 1.
  IvfScalarQuantizerIndex(size_t d, Metric metric, size_t nlist, quant::SqType type,
                          IvfTrainParams params = {}, bool by_residual = true);
  // For readers: InvalidArgument unless sq is trained with sq.d() ==
  // quantizer->d(), lists.code_size() == sq.code_size() and the IVF parts are
  // consistent (see IvfFlatIndex::FromParts).
  static StatusOr<std::unique_ptr<IvfScalarQuantizerIndex>> FromParts(
      Metric metric, std::unique_ptr<FlatIndex> quantizer, quant::ScalarQuantizer sq,
      bool by_residual, InvertedLists lists, size_t ntotal, size_t nprobe);

  // "IVF<nlist>,SQ8" etc.
  std::string Describe() const override;

  const quant::ScalarQuantizer& sq() const { return sq_; }
  bool by_residual() const { return by_residual_; }

 protected:
  Status TrainEncoder(const float* x, size_t n, const ExecContext& ctx) override;
  bool EncoderTrained() const override { return sq_.is_trained(); }
  const uint8_t* EncodeBlock(const float* x, const idx_t* list_nos, size_t n,
                             std::vector<uint8_t>* buffer, const ExecContext& ctx) const override;
  std::unique_ptr<IvfListScanner> MakeScanner() const override;

 private:
  quant::ScalarQuantizer sq_;
  bool by_residual_;
};

}  // namespace kiln::index
