#include "kiln/index/index.h"

namespace kiln::index {

Status Index::CheckTrainArgs(const float* x, size_t n) const {
  if (n > 0 && x == nullptr)
    return InvalidArgumentError("{}: train: vectors pointer is null for n = {}", Describe(), n);
  return OkStatus();
}

Status Index::CheckAddArgs(const float* x, size_t n) const {
  if (!is_trained())
    return FailedPreconditionError(
        "{}: add of {} vectors before the index is trained (call Train first)", Describe(), n);
  if (n > 0 && x == nullptr)
    return InvalidArgumentError("{}: add: vectors pointer is null for n = {}", Describe(), n);
  return OkStatus();
}

Status Index::CheckSearchArgs(const float* queries, size_t nq, size_t k, const SearchParams& params,
                              const float* distances, const idx_t* labels) const {
  if (k == 0) return InvalidArgumentError("{}: search: k must be at least 1, found 0", Describe());
  if (params.nprobe == 0)
    return InvalidArgumentError("{}: search: nprobe must be at least 1, found 0", Describe());
  if (!is_trained())
    return FailedPreconditionError(
        "{}: search of {} queries before the index is trained (call Train first)", Describe(), nq);
  if (nq > 0 && (queries == nullptr || distances == nullptr || labels == nullptr))
    return InvalidArgumentError("{}: search: null queries, distances or labels pointer for nq = {}",
                                Describe(), nq);
  return OkStatus();
}

}  // namespace kiln::index
