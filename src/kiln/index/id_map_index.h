// Wraps an index so that vectors carry caller-chosen 64-bit ids: the inner
// index numbers its vectors 0..ntotal-1 and id_map translates them. Faiss
// equivalent: IndexIDMap ("IDMap,<inner>"), whose inner IVF lists likewise
// hold the internal sequential ids.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kiln/index/index.h"

namespace kiln::index {

class IdMapIndex final : public Index {
 public:
  // inner must be non-null and empty.
  explicit IdMapIndex(std::unique_ptr<Index> inner);
  // For readers: InvalidArgument unless id_map.size() == inner->ntotal().
  static StatusOr<std::unique_ptr<IdMapIndex>> FromParts(std::unique_ptr<Index> inner,
                                                         std::vector<idx_t> id_map);

  size_t ntotal() const override { return id_map_.size(); }
  bool is_trained() const override { return inner_->is_trained(); }
  std::string Describe() const override { return "IDMap," + inner_->Describe(); }

  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // InvalidArgument: an IDMap index needs explicit ids (AddWithIds).
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Adds n vectors with external ids ids[0..n) (duplicates are allowed, as in
  // Faiss; -1 is rejected since it means "no result").
  Status AddWithIds(const float* x, const idx_t* ids, size_t n, const ExecContext& ctx);
  // Inner search, labels mapped to external ids (-1 stays -1).
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  const Index& inner() const { return *inner_; }
  Index& mutable_inner() { return *inner_; }
  // The inner index of an empty map, for a caller that fills it its own way
  // and maps the ids with FromParts; the map is left unusable.
  std::unique_ptr<Index> TakeInner();
  // External id of inner vector i, for i < ntotal.
  const std::vector<idx_t>& id_map() const { return id_map_; }

 private:
  IdMapIndex(size_t d, Metric metric) : Index(d, metric) {}

  std::unique_ptr<Index> inner_;
  std::vector<idx_t> id_map_;
};

}  // namespace kiln::index
