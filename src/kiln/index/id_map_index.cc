#include "kiln/index/id_map_index.h"

#include "kiln/base/check.h"

namespace kiln::index {

IdMapIndex::IdMapIndex(std::unique_ptr<Index> inner)
    : Index(inner->d(), inner->metric()), inner_(std::move(inner)) {
  KILN_CHECK(inner_->ntotal() == 0);
}

StatusOr<std::unique_ptr<IdMapIndex>> IdMapIndex::FromParts(std::unique_ptr<Index> inner,
                                                            std::vector<idx_t> id_map) {
  if (inner == nullptr) return InvalidArgumentError("IDMap index: no inner index");
  if (id_map.size() != inner->ntotal())
    return InvalidArgumentError("IDMap index: {} ids for an inner index of ntotal = {}",
                                id_map.size(), inner->ntotal());
  auto index = std::unique_ptr<IdMapIndex>(new IdMapIndex(inner->d(), inner->metric()));
  index->inner_ = std::move(inner);
  index->id_map_ = std::move(id_map);
  return index;
}

std::unique_ptr<Index> IdMapIndex::TakeInner() {
  KILN_CHECK(id_map_.empty());
  return std::move(inner_);
}

Status IdMapIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  return inner_->Train(x, n, ctx);
}

Status IdMapIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  (void)x;
  (void)ctx;
  return InvalidArgumentError("{}: add of {} vectors without ids; an IDMap index needs AddWithIds",
                              Describe(), n);
}

Status IdMapIndex::AddWithIds(const float* x, const idx_t* ids, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  if (n > 0 && ids == nullptr)
    return InvalidArgumentError("{}: add: ids pointer is null for n = {}", Describe(), n);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] == -1)
      return InvalidArgumentError("{}: add: id -1 (at position {}) is reserved for missing results",
                                  Describe(), i);
  }
  const size_t before = inner_->ntotal();
  Status status = inner_->Add(x, n, ctx);
  // Keep id_map in step with whatever the inner index accepted (a cancelled
  // IVF add keeps its completed blocks).
  const size_t added = inner_->ntotal() - before;
  id_map_.insert(id_map_.end(), ids, ids + added);
  return status;
}

Status IdMapIndex::Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                          float* distances, idx_t* labels, const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  KILN_RETURN_IF_ERROR(inner_->Search(queries, nq, k, params, distances, labels, ctx));
  // Inner labels outside the map (only possible from a corrupt file whose
  // lists were not validated) read as missing rather than out of bounds.
  for (size_t i = 0; i < nq * k; ++i) {
    const idx_t label = labels[i];
    labels[i] = label >= 0 && static_cast<size_t>(label) < id_map_.size()
                    ? id_map_[static_cast<size_t>(label)]
                    : -1;
  }
  return OkStatus();
}

}  // namespace kiln::index
