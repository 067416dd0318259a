#include "kiln/index/ivf_flat_index.h"

#include "kiln/simd/distances.h"

namespace kiln::index {
namespace {

// Raw float rows: the SIMD one-to-many kernels.
class FlatScanner final : public IvfListScanner {
 public:
  FlatScanner(size_t d, bool similarity) : d_(d), similarity_(similarity) {}
  void SetQuery(const float* query) override { query_ = query; }
  void SetList(size_t, float) override {}
  void Scan(const uint8_t* codes, size_t n, float* out) override {
    // Codes are raw float rows in operator-new storage (aligned for float).
    const auto* rows = reinterpret_cast<const float*>(codes);
    if (similarity_) {
      kernels_.inner_product_to_many(query_, rows, n, d_, out);
    } else {
      kernels_.l2sqr_to_many(query_, rows, n, d_, out);
    }
  }

 private:
  const simd::DistanceKernels& kernels_ = simd::ActiveKernels();
  size_t d_;
  bool similarity_;
  const float* query_ = nullptr;
};

}  // namespace

IvfFlatIndex::IvfFlatIndex(size_t d, Metric metric, size_t nlist, IvfTrainParams params)
    : IvfIndex(d, metric, nlist, d * sizeof(float), params) {}

StatusOr<std::unique_ptr<IvfFlatIndex>> IvfFlatIndex::FromParts(
    Metric metric, std::unique_ptr<FlatIndex> quantizer, InvertedLists lists, size_t ntotal,
    size_t nprobe) {
  if (quantizer == nullptr) return InvalidArgumentError("IVF index: no coarse quantizer");
  const size_t d = quantizer->d();
  if (lists.nlist() == 0)
    return InvalidArgumentError("IVF index: nlist must be at least 1, found 0");
  if (lists.code_size() != d * sizeof(float) && quantizer->ntotal() == lists.nlist() &&
      quantizer->metric() == metric)
    return InvalidArgumentError("IVF-Flat index: code_size {} differs from 4·d = {}",
                                lists.code_size(), d * sizeof(float));
  auto index = std::make_unique<IvfFlatIndex>(d, metric, lists.nlist());
  KILN_RETURN_IF_ERROR(index->SetParts(std::move(quantizer), std::move(lists), ntotal, nprobe));
  return index;
}

std::string IvfFlatIndex::Describe() const { return fmt::format("IVF{},Flat", nlist()); }

const uint8_t* IvfFlatIndex::EncodeBlock(const float* x, const idx_t*, size_t,
                                         std::vector<uint8_t>*, const ExecContext&) const {
  return reinterpret_cast<const uint8_t*>(x);  // the code is the vector
}

std::unique_ptr<IvfListScanner> IvfFlatIndex::MakeScanner() const {
  return std::make_unique<FlatScanner>(d(), IsSimilarity(metric()));
}

}  // namespace kiln::index
