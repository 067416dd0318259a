// The abstract vector index that kiln builds and writes as a Faiss file.
//
// Conventions (same as Faiss): d is the dimension, ntotal the number of
// stored vectors, k the number of results per query. Vectors are row-major
// float32. Results come out best first for every metric: ascending squared
// L2 distance for Metric::kL2, descending inner product for kInnerProduct
// and kCosine. Missing results (fewer than k candidates) get label -1 and
// distance +inf (L2) or -inf (similarities).
//
// Metric::kCosine: the index L2-normalises copies of every vector it trains
// on, adds and searches with, and otherwise behaves as inner product; Faiss
// files record it as METRIC_INNER_PRODUCT.
#pragma once

#include <cstddef>
#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/base/types.h"

namespace kiln::index {

// Largest dimension kiln builds: current Faiss readers reject d > 2^20.
inline constexpr size_t kMaxDimension = size_t{1} << 20;
// Largest IVF nlist kiln accepts (each list costs memory even when empty).
inline constexpr size_t kMaxNlist = size_t{1} << 24;

struct SearchParams {
  /// IVF: number of inverted lists scanned per query (clamped to nlist).
  size_t nprobe = 1;
  /// HNSW: size of the candidate list at level 0 (at least k is used);
  /// 0 = the index's stored efSearch.
  size_t ef_search = 0;
};

class Index {
 public:
  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  size_t d() const { return d_; }
  Metric metric() const { return metric_; }
  virtual size_t ntotal() const = 0;
  virtual bool is_trained() const = 0;
  // Factory-like description: "Flat", "IVF256,Flat", "IDMap,IVF256,Flat".
  virtual std::string Describe() const = 0;

  // Trains on the n×d vectors x (no-op for indexes that need no training).
  virtual Status Train(const float* x, size_t n, const ExecContext& ctx) = 0;
  // Adds the n×d vectors x with sequential ids ntotal() .. ntotal()+n-1.
  // FailedPrecondition when the index is not trained.
  virtual Status Add(const float* x, size_t n, const ExecContext& ctx) = 0;
  // Writes the k best results of each of the nq queries to distances and
  // labels (nq×k each). nq == 0 does nothing; k == 0 is InvalidArgument;
  // FailedPrecondition before training.
  virtual Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                        float* distances, idx_t* labels, const ExecContext& ctx) const = 0;

 protected:
  Index(size_t d, Metric metric) : d_(d), metric_(metric) {}

  // Argument checks shared by every implementation; the messages name the
  // index (Describe()) and the values.
  Status CheckTrainArgs(const float* x, size_t n) const;
  Status CheckAddArgs(const float* x, size_t n) const;
  Status CheckSearchArgs(const float* queries, size_t nq, size_t k, const SearchParams& params,
                         const float* distances, const idx_t* labels) const;

 private:
  size_t d_;
  Metric metric_;
};

}  // namespace kiln::index
