#include "kiln/dataset/dataset.h"

#include <cstring>
#include <utility>

#include "kiln/base/check.h"
#include "kiln/base/memory_pages.h"

namespace kiln {

Dataset Dataset::Owned(AlignedBuffer<float> values, size_t n, size_t d) {
  KILN_CHECK(values.size() >= n * d);
  Dataset ds;
  ds.owned_ = std::make_shared<AlignedBuffer<float>>(std::move(values));
  ds.data_ = ds.owned_->data();
  ds.n_ = n;
  ds.d_ = d;
  return ds;
}

StatusOr<Dataset> Dataset::FromVector(const std::vector<float>& values, size_t n, size_t d) {
  if (n > 0 && d == 0) return InvalidArgumentError("dataset of {} rows has dimension 0", n);
  size_t count = 0;
  if (__builtin_mul_overflow(n, d, &count)) return InvalidArgumentError("{} x {} values is too many", n, d);
  if (values.size() != count) {
    return InvalidArgumentError("expected {} x {} = {} values, found {}", n, d, n * d, values.size());
  }
  AlignedBuffer<float> buffer(values.size());
  if (!values.empty()) std::memcpy(buffer.data(), values.data(), values.size() * sizeof(float));
  return Owned(std::move(buffer), n, d);
}

Dataset Dataset::View(std::shared_ptr<MappedFile> file, size_t byte_offset, size_t n, size_t d) {
  KILN_CHECK(file != nullptr);
  KILN_CHECK(byte_offset % alignof(float) == 0);
  KILN_CHECK(byte_offset <= file->size());
  KILN_CHECK(d == 0 || n <= (file->size() - byte_offset) / sizeof(float) / d);
  Dataset ds;
  ds.n_ = n;
  ds.d_ = d;
  if (n * d > 0) {
    // The map is page aligned and byte_offset is a multiple of 4, so the
    // floats are properly aligned; they are only ever read as floats.
    ds.data_ = reinterpret_cast<const float*>(file->data() + byte_offset);
  }
  ds.mapped_ = std::move(file);
  return ds;
}

float* Dataset::mutable_data() {
  if (owned_ != nullptr && owned_.use_count() == 1) {
    return owned_->data() + (data_ - owned_->data());
  }
  AlignedBuffer<float> copy(n_ * d_);
  if (n_ * d_ > 0) std::memcpy(copy.data(), data_, n_ * d_ * sizeof(float));
  owned_ = std::make_shared<AlignedBuffer<float>>(std::move(copy));
  mapped_.reset();
  data_ = owned_->data();
  return owned_->data();
}

void Dataset::ReleaseRows(size_t begin, size_t end) {
  KILN_CHECK(begin <= end && end <= n_);
  const bool sole_owner = owned_ != nullptr && owned_.use_count() == 1;
  if (begin == end || (mapped_ == nullptr && !sole_owner)) return;
  // Whole pages inside the rows only: the neighbouring bytes (another row,
  // the allocator's header) stay untouched.
  ReleaseWholePages(data_ + begin * d_, (end - begin) * d_ * sizeof(float));
}

Status Dataset::SetIds(std::vector<idx_t> ids) {
  if (ids.size() != n_) {
    return InvalidArgumentError("dataset has {} rows but {} ids were given", n_, ids.size());
  }
  ids_ = std::move(ids);
  return OkStatus();
}

Status Dataset::SetIdsBySourceRow(const std::vector<idx_t>& source_ids) {
  std::vector<idx_t> ids(n_);
  for (size_t i = 0; i < n_; ++i) {
    size_t src = source_row(i);
    if (src >= source_ids.size()) {
      return OutOfRangeError("row {} comes from source row {}, but only {} ids were given", i, src,
                             source_ids.size());
    }
    ids[i] = source_ids[src];
  }
  ids_ = std::move(ids);
  return OkStatus();
}

Dataset Dataset::Slice(size_t begin, size_t end) const {
  KILN_CHECK(begin <= end && end <= n_);
  Dataset ds = *this;
  ds.n_ = end - begin;
  if (data_ != nullptr) ds.data_ = data_ + begin * d_;
  if (!ids_.empty()) ds.ids_.assign(ids_.begin() + begin, ids_.begin() + end);
  if (!source_rows_.empty()) {
    ds.source_rows_.assign(source_rows_.begin() + begin, source_rows_.begin() + end);
  } else {
    ds.source_offset_ = source_offset_ + begin;
  }
  return ds;
}

Dataset Dataset::Gather(const std::vector<size_t>& rows) const {
  AlignedBuffer<float> values(rows.size() * d_);
  std::vector<size_t> sources(rows.size());
  std::vector<idx_t> ids;
  if (!ids_.empty()) ids.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t r = rows[i];
    KILN_CHECK(r < n_);
    if (d_ > 0) std::memcpy(values.data() + i * d_, row(r), d_ * sizeof(float));
    sources[i] = source_row(r);
    if (!ids_.empty()) ids[i] = ids_[r];
  }
  Dataset ds = Owned(std::move(values), rows.size(), d_);
  ds.ids_ = std::move(ids);
  ds.source_rows_ = std::move(sources);
  return ds;
}

}  // namespace kiln
