// 8-bit build codes for HNSW construction (internal to kiln_index). Inserting
// a node is bound by memory traffic (every distance pulls a whole vector from
// DRAM), so the graph is built on one byte per component, a quarter of the
// float traffic, with integer SIMD kernels:
//   x[i] ≈ offset[i] + scale · c[i],   c[i] in 0..255
// One scale for all components (the largest range / 255) keeps the squared
// L2 distance an integer sum: |x - y|² ≈ scale² · Σ (cx[i] - cy[i])², and the
// same absolute step everywhere is what L2 needs. Inner products expand to
//   x·y ≈ Σ offset² + scale·(t(cx) + t(cy)) + scale²·Σ cx[i]·cy[i],
//   t(c) = Σ offset[i]·c[i] (kept per node).
// When every value is reproduced exactly (e.g. 8-bit pixels) the build
// distances are exact; otherwise the builder re-ranks candidates on a 16-bit
// grid (the same offsets, 65535 steps): stored FineCodes where the float rows
// are not held during the build, FineRowSpace on the rows where they are,
// with the same distances, so the graph does not depend on where rows live.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/thread_pool.h"
#include "kiln/index/hnsw/hnsw_space.h"
#include "kiln/simd/simd_level.h"

namespace kiln::index::hnsw {

struct U8Kernels {
  // Σ (a[i] - b[i])².
  uint64_t (*l2sqr)(const uint8_t* a, const uint8_t* b, size_t d);
  // Σ a[i]·b[i].
  uint64_t (*dot)(const uint8_t* a, const uint8_t* b, size_t d);
};
// The AVX-512 kernels sum in 32-bit lanes: they serve d up to kMaxAvx512D.
const U8Kernels& U8KernelsFor(simd::SimdLevel level, size_t d);
inline constexpr size_t kMaxAvx512D = size_t{1} << 19;
// Per-ISA tables (hnsw_codes.cc, hnsw_codes_avx512.cc).
const U8Kernels& U8KernelsScalar();
const U8Kernels& U8KernelsAvx512();

class BuildCodes {
 public:
  // Encodes rows [0, n) (code i = rows.Row(i)), or with an order the rows
  // rows.Row(order[i]) (code i is node i of a graph on those ids).
  BuildCodes(const FloatSpace& rows, size_t n, size_t d, bool inner_product, ThreadPool& pool,
             const int32_t* order = nullptr);
  // Codes for n rows given block by block in two passes (for a caller that
  // streams its input, HnswIndex::AddOwned): ObserveRange over every row,
  // then Encode of every row; the codes are usable once all are encoded.
  BuildCodes(size_t n, size_t d, bool inner_product);
  // Pass 1: widens the per-component ranges with rows (m×d).
  void ObserveRange(const float* rows, size_t m, ThreadPool& pool);
  // Pass 2: writes the codes of rows [first, first + m) from rows (m×d);
  // true when they reproduce every value of these rows exactly. The first
  // call fixes offset and scale (no ObserveRange after it).
  bool Encode(const float* rows, size_t first, size_t m, ThreadPool& pool);
  // Writes the decoded rows [first, first + m) (m×d floats; equal to the
  // encoded rows bit for bit where Encode said exact).
  void Decode(size_t first, size_t m, float* out, ThreadPool& pool) const;
  // Returns the whole memory pages of codes [first, first + m) to the
  // system (those codes are not read again).
  void Release(size_t first, size_t m);
  // Fixes offset and scale from the ranges observed so far (the first
  // Encode does it otherwise).
  void FinishRange();
  // x[i] ≈ offset()[i] + range() / 255 · c[i] (range(): the largest
  // component range; valid once the range is fixed).
  const std::vector<float>& offset() const { return offset_; }
  float range() const { return range_; }

  const uint8_t* code(int32_t id) const { return codes_.data() + static_cast<size_t>(id) * d_; }
  // True when decoding gives back every input value exactly.
  bool exact() const { return exact_; }
  // Build distance (squared L2 or negated inner product) between two nodes.
  float Distance(int32_t a, int32_t b) const {
    if (!inner_product_) return scale2_ * static_cast<float>(kernels_->l2sqr(code(a), code(b), d_));
    const float dot = static_cast<float>(kernels_->dot(code(a), code(b), d_));
    return -(offset_sq_ + scale_ * (term_[static_cast<size_t>(a)] + term_[static_cast<size_t>(b)]) +
             scale2_ * dot);
  }
  size_t d() const { return d_; }

 private:
  // The two passes over rows given as row(i) for i in [0, m) (code first + i).
  template <class Row>
  void ObserveRows(const Row& row, size_t m, ThreadPool& pool);
  template <class Row>
  bool EncodeRows(const Row& row, size_t first, size_t m, ThreadPool& pool);
  size_t n_;
  size_t d_;
  bool inner_product_;
  bool exact_ = true;
  bool encoding_ = false;
  float scale_ = 1, scale2_ = 1, offset_sq_ = 0, range_ = 0;
  std::vector<float> lo_, hi_;  // per-component ranges (pass 1)
  std::vector<float> offset_;
  std::vector<float> term_;  // t(c) per node (inner product only)
  AlignedBuffer<uint8_t> codes_;  // n·d, written once (huge pages advised first)
  const U8Kernels* kernels_;
};

}  // namespace kiln::index::hnsw

namespace kiln::index::hnsw {

// Calls score(j) for j in [0, n), in order, while the rows of the ids after
// j (row(id): row_bytes each) are fetched: as many ahead as fit in 64 cache
// lines (all of a level-0 list of 8-bit codes at d = 128), so their DRAM
// reads overlap instead of queueing one by one.
template <class RowOf, class Score>
inline void ScorePrefetchingAhead(const int32_t* ids, size_t n, size_t row_bytes, const RowOf& row_of,
                                  const Score& score) {
  constexpr size_t kPrefetchLines = 64;
  const size_t lines = std::min<size_t>((row_bytes + 63) / 64, kPrefetchLines);
  const size_t ahead = std::max<size_t>(1, kPrefetchLines / lines);
  auto prefetch = [&](int32_t id) {
    const auto* p = reinterpret_cast<const char*>(row_of(id));
    for (size_t l = 0; l < lines; ++l) __builtin_prefetch(p + l * 64);
  };
  for (size_t j = 0; j < std::min(ahead, n); ++j) prefetch(ids[j]);
  for (size_t j = 0; j < n; ++j) {
    if (j + ahead < n) prefetch(ids[j + ahead]);
    score(j);
  }
}

// Build distances on BuildCodes (the Space of hnsw_search.h; queries are
// stored nodes).
class CodeSpace {
 public:
  explicit CodeSpace(const BuildCodes& codes) : codes_(&codes) {}
  void SetQueryNode(int32_t id) { q_ = id; }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    ScorePrefetchingAhead(ids, n, codes_->d(), [this](int32_t id) { return codes_->code(id); },
                          [&](size_t j) { out[j] = codes_->Distance(q_, ids[j]); });
  }
  float Between(int32_t a, int32_t b) const { return codes_->Distance(a, b); }

 private:
  const BuildCodes* codes_;
  int32_t q_ = 0;
};

}  // namespace kiln::index::hnsw

namespace kiln::index::hnsw {

// The 16-bit grid of FineCodes: c = round((x - offset) / step) in 0..65535,
// step = BuildCodes' largest range / 65535. Distances are taken on the grid
// values: offset + step·c for inner products, step·c for L2 (the offsets
// cancel). FineCodes stores c; FineRowSpace recomputes it from float rows;
// both give the same bits, hence the same graph.
namespace fine_grid {
inline float Step(const BuildCodes& codes) { return codes.range() > 0 ? codes.range() / 65535.0f : 1.0f; }
inline uint16_t Code(float x, float offset, float inv_step) {
  return static_cast<uint16_t>(std::clamp(std::nearbyint((x - offset) * inv_step), 0.0f, 65535.0f));
}
inline float Value(uint16_t c, float offset, float step, bool inner_product) {
  return inner_product ? offset + step * static_cast<float>(c) : step * static_cast<float>(c);
}
}  // namespace fine_grid

// 16-bit codes of the rows BuildCodes encodes (its offsets, the largest
// range in 65535 steps): distances within ~1e-5 of the range of the float
// ones, at half the float rows' bytes. The build re-ranks on them when the
// float rows are not kept during the build (HnswIndex::AddOwned).
class FineCodes {
 public:
  FineCodes(size_t n, size_t d, bool inner_product);
  // Writes the codes of rows [first, first + m) (m×d) with codes' offsets
  // and range (fixed: BuildCodes::FinishRange).
  void Encode(const BuildCodes& codes, const float* rows, size_t first, size_t m, ThreadPool& pool);
  const uint16_t* code(int32_t id) const { return codes_.data() + static_cast<size_t>(id) * d_; }
  // The d floats of a code for distances: offset + step·c for inner
  // products, step·c for L2 (the offsets cancel).
  void Decode(const uint16_t* c, float* out) const {
    for (size_t j = 0; j < d_; ++j) out[j] = fine_grid::Value(c[j], offset_[j], step_, inner_product_);
  }
  bool inner_product() const { return inner_product_; }
  size_t d() const { return d_; }

 private:
  size_t n_, d_;
  bool inner_product_;
  float step_ = 1;
  std::vector<float> offset_;
  AlignedBuffer<uint16_t> codes_;  // n·d
};

// Re-ranking distances on FineCodes (the Exact rows of the builder): codes
// decoded to floats, distances by the float kernels. One per worker.
class FineSpace {
 public:
  explicit FineSpace(const FineCodes& codes)
      : codes_(&codes), kernels_(&simd::ActiveKernels()), q_(codes.d()), x_(codes.d()) {}
  void SetQueryNode(int32_t id) { codes_->Decode(codes_->code(id), q_.data()); }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    const size_t d = codes_->d();
    ScorePrefetchingAhead(ids, n, d * sizeof(uint16_t), [this](int32_t id) { return codes_->code(id); },
                          [&](size_t j) {
                            codes_->Decode(codes_->code(ids[j]), x_.data());
                            out[j] = codes_->inner_product() ? -kernels_->inner_product(q_.data(), x_.data(), d)
                                                             : kernels_->l2sqr(q_.data(), x_.data(), d);
                          });
  }

 private:
  const FineCodes* codes_;
  const simd::DistanceKernels* kernels_;
  std::vector<float> q_;
  mutable std::vector<float> x_;
};

}  // namespace kiln::index::hnsw

namespace kiln::index::hnsw {

// FineSpace's distances from float rows: each row is put on the fine grid as
// it is read. The builder re-ranks on it where the float rows are held anyway
// (HnswIndex::Add, AddOwned on rows that cannot be read again), so every
// path builds the same graph as the one on stored FineCodes. With an order,
// node i is rows.Row(order[i]) (a locality-ordered build).
class FineRowSpace {
 public:
  FineRowSpace(const BuildCodes& codes, const FloatSpace& rows, bool inner_product,
               const int32_t* order = nullptr)
      : rows_(&rows), order_(order), kernels_(&simd::ActiveKernels()), offset_(codes.offset()),
        step_(fine_grid::Step(codes)), inv_step_(1.0f / step_), inner_product_(inner_product),
        q_(codes.d()), x_(codes.d()) {}
  void SetQueryNode(int32_t id) { Reproduce(Row(id), q_.data()); }
  void ToNodes(const int32_t* ids, size_t n, float* out) const {
    const size_t d = q_.size();
    for (size_t j = 0; j < n; ++j) {
      if (j + 1 < n) rows_->Prefetch(Row(ids[j + 1]));
      Reproduce(Row(ids[j]), x_.data());
      out[j] = inner_product_ ? -kernels_->inner_product(q_.data(), x_.data(), d)
                              : kernels_->l2sqr(q_.data(), x_.data(), d);
    }
  }

 private:
  const float* Row(int32_t id) const { return rows_->Row(order_ != nullptr ? order_[id] : id); }
  void Reproduce(const float* x, float* out) const {
    for (size_t j = 0; j < q_.size(); ++j)
      out[j] = fine_grid::Value(fine_grid::Code(x[j], offset_[j], inv_step_), offset_[j], step_, inner_product_);
  }

  const FloatSpace* rows_;
  const int32_t* order_;
  const simd::DistanceKernels* kernels_;
  std::vector<float> offset_;
  float step_, inv_step_;
  bool inner_product_;
  std::vector<float> q_;
  mutable std::vector<float> x_;
};

}  // namespace kiln::index::hnsw
