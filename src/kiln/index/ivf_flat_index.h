// IVF-Flat: an IvfIndex whose inverted lists store the raw vectors (the code
// of a vector is its d float32s, not a residual); a search scans the nprobe
// lists whose centroids are closest to the query with the SIMD one-to-many
// kernels. Faiss equivalent: IndexIVFFlat ("IVF<nlist>,Flat").
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/ivf_index.h"

namespace kiln::index {

class IvfFlatIndex final : public IvfIndex {
 public:
  // d and nlist must be at least 1.
  IvfFlatIndex(size_t d, Metric metric, size_t nlist, IvfTrainParams params = {});
  // Assembles a trained index from its parts (for readers). InvalidArgument
  // unless quantizer holds lists.nlist() centroids of dimension d with the
  // same metric, lists.code_size() == 4·d and ntotal == lists.total_size().
  static StatusOr<std::unique_ptr<IvfFlatIndex>> FromParts(Metric metric,
                                                           std::unique_ptr<FlatIndex> quantizer,
                                                           InvertedLists lists, size_t ntotal,
                                                           size_t nprobe);

  std::string Describe() const override;

 protected:
  const uint8_t* EncodeBlock(const float* x, const idx_t* list_nos, size_t n,
                             std::vector<uint8_t>* buffer, const ExecContext& ctx) const override;
  std::unique_ptr<IvfListScanner> MakeScanner() const override;
};

}  // namespace kiln::index
