#include "kiln/index/hnsw/hnsw_owned_rows.h"

#include <algorithm>
#include <cstring>

#include "kiln/base/check.h"
#include "kiln/index/hnsw/hnsw_memory.h"
#include "kiln/index/prepared_vectors.h"

namespace kiln::index::hnsw {

OwnedRows::OwnedRows(const float* x, size_t n, size_t d, Metric metric, const Release& release,
                     bool readable_after_release)
    : x_(x), n_(n), d_(d),
      block_(std::clamp<size_t>(kOwnedBlockBytes / (sizeof(float) * std::max<size_t>(d, 1)), 1, kOwnedBlock)),
      metric_(metric), release_(release),
      readable_after_release_(readable_after_release), released_(blocks(), 0),
      decodable_(blocks(), 0) {}

size_t OwnedRows::size(size_t block) const { return std::min(block_, n_ - begin(block)); }

void OwnedRows::ReadBlock(size_t block, ThreadPool& pool,
                          const std::function<void(const float*)>& fn) const {
  const PreparedVectors rows(x_ + begin(block) * d_, size(block), d_, metric_, pool);
  fn(rows.data());
}

void OwnedRows::ReleaseBlock(size_t block) {
  release_(begin(block), begin(block) + size(block));
  released_[block] = 1;
}

std::optional<FineCodes> OwnedRows::EncodeInto(BuildCodes& codes, bool fine_when_lossy, bool inner_product,
                                               ThreadPool& pool) {
  KILN_CHECK(!fine_when_lossy || readable_after_release_);
  for (size_t b = 0; b < blocks(); ++b) {
    ReadBlock(b, pool, [&](const float* rows) { codes.ObserveRange(rows, size(b), pool); });
    if (readable_after_release_) ReleaseBlock(b);  // read back for the codes
  }
  codes.FinishRange();
  std::optional<FineCodes> fine;
  for (size_t b = 0; b < blocks(); ++b) {
    ReadBlock(b, pool, [&](const float* rows) {
      decodable_[b] = codes.Encode(rows, begin(b), size(b), pool) ? 1 : 0;
      if (!decodable_[b] && fine_when_lossy && !fine) {
        // The first lossy block: the blocks before it (released) are read again.
        fine.emplace(n_, d_, inner_product);
        for (size_t e = 0; e < b; ++e)
          ReadBlock(e, pool, [&](const float* earlier) { fine->Encode(codes, earlier, begin(e), size(e), pool); });
      }
      if (fine) fine->Encode(codes, rows, begin(b), size(b), pool);
    });
    if (decodable_[b] || readable_after_release_) ReleaseBlock(b);
  }
  return fine;
}

std::vector<float> OwnedRows::Assemble(BuildCodes* codes, bool free_codes, bool during_build,
                                       ThreadPool& pool) {
  std::vector<float> rows;
  rows.reserve(n_ * d_);
  if (during_build) AdviseHugePages(rows.data(), n_ * d_ * sizeof(float));
  for (size_t b = 0; b < blocks(); ++b) {
    const size_t m = size(b);
    rows.resize(rows.size() + m * d_);
    float* out = rows.data() + begin(b) * d_;
    if (codes != nullptr && decodable_[b]) {
      codes->Decode(begin(b), m, out, pool);
    } else {
      ReadBlock(b, pool, [&](const float* in) { std::memcpy(out, in, m * d_ * sizeof(float)); });
      // Read (again): released (again).
      ReleaseBlock(b);
    }
    if (codes != nullptr && free_codes) codes->Release(begin(b), m);
  }
  return rows;
}

void OwnedRows::ReleaseRest() {
  for (size_t b = 0; b < blocks(); ++b)
    if (!released_[b]) ReleaseBlock(b);
}

}  // namespace kiln::index::hnsw
