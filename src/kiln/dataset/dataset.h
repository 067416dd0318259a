// In-memory input vectors: a row-major float32 matrix (n rows of d floats)
// with optional int64 ids, and a plain int64 matrix for ground-truth
// neighbour lists.
//
// A Dataset either owns its floats (64-byte aligned) or is a zero-copy view
// into a memory-mapped file (C-order float32 .npy, raw float .knnvec). Copies
// and Slice() share the storage; mutable_data() copies first whenever the
// storage is mapped or shared (copy on write), so writes never reach a file
// or another Dataset.
//
// Source rows: readers may drop rows (NonFinitePolicy::kSkipRow), and
// Gather() picks rows, so row i of a Dataset need not be row i of the file it
// came from. source_row(i) gives the original row index; use
// SetIdsBySourceRow() to attach ids that were read from a separate id file
// (one id per row of the vector file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/mapped_file.h"
#include "kiln/base/status.h"
#include "kiln/base/types.h"

namespace kiln {

class Dataset {
 public:
  // An empty dataset (n = d = 0).
  Dataset() = default;

  // Takes ownership of `values` (at least n*d floats, row-major).
  static Dataset Owned(AlignedBuffer<float> values, size_t n, size_t d);
  // Copies `values`; InvalidArgument unless values.size() == n*d (and d > 0
  // when n > 0).
  static StatusOr<Dataset> FromVector(const std::vector<float>& values, size_t n, size_t d);
  // A zero-copy view of n*d floats starting `byte_offset` bytes into `file`.
  // Precondition (checked, aborts): byte_offset % 4 == 0 and the rows lie
  // inside the file. Readers check both and copy instead when unaligned.
  static Dataset View(std::shared_ptr<MappedFile> file, size_t byte_offset, size_t n, size_t d);

  size_t n() const { return n_; }
  size_t d() const { return d_; }
  bool empty() const { return n_ == 0; }
  const float* data() const { return data_; }
  const float* row(size_t i) const { return data_ + i * d_; }
  // True while the floats are read straight from a mapped file.
  bool is_mapped() const { return mapped_ != nullptr; }
  // The mapped file the floats are read from (null unless is_mapped()).
  const std::shared_ptr<MappedFile>& mapped_file() const { return mapped_; }
  // Writable floats; copies into owned memory first if the storage is a
  // mapped file or shared with another Dataset.
  float* mutable_data();
  // For a consumer that has copied rows [begin, end) away and never reads
  // them here again (HnswIndex::AddOwned): returns the whole memory pages
  // inside those rows to the system, so that the rows and their copy are not
  // both resident. A mapped file's pages are dropped from this process (read
  // back from the file if touched); an owned buffer that no other Dataset
  // shares is cleared page by page (the rows then read as zeros); shared
  // storage is left alone. Precondition (checked): begin <= end <= n().
  void ReleaseRows(size_t begin, size_t end);

  bool has_ids() const { return !ids_.empty(); }
  const std::vector<idx_t>& ids() const { return ids_; }
  // InvalidArgument unless ids.size() == n().
  Status SetIds(std::vector<idx_t> ids);
  // Sets ids()[i] = source_ids[source_row(i)]: attaches the ids of an id file
  // that has one id per row of the original vector file, after rows were
  // skipped or sampled. OutOfRange if a source row is past source_ids.
  Status SetIdsBySourceRow(const std::vector<idx_t>& source_ids);

  // Index, in the file the rows were read from, of row i.
  size_t source_row(size_t i) const {
    return source_rows_.empty() ? source_offset_ + i : source_rows_[i];
  }
  // Explicit source rows, or empty when row i is source row
  // source_offset + i (nothing was skipped or gathered).
  const std::vector<size_t>& source_rows() const { return source_rows_; }

  // Rows [begin, end) sharing this dataset's storage (ids sliced too).
  // Precondition (checked): begin <= end <= n().
  Dataset Slice(size_t begin, size_t end) const;
  // An owned copy of the given rows, in that order (ids and source rows
  // follow). Precondition (checked): every index < n().
  Dataset Gather(const std::vector<size_t>& rows) const;

 private:
  std::shared_ptr<AlignedBuffer<float>> owned_;
  std::shared_ptr<MappedFile> mapped_;
  const float* data_ = nullptr;
  size_t n_ = 0;
  size_t d_ = 0;
  std::vector<idx_t> ids_;
  std::vector<size_t> source_rows_;
  size_t source_offset_ = 0;
};

// A row-major n×d matrix of int64, e.g. ground-truth neighbour ids
// (n queries × d neighbours).
struct IntMatrix {
  size_t n = 0;
  size_t d = 0;
  std::vector<int64_t> values;

  const int64_t* row(size_t i) const { return values.data() + i * d; }
};

}  // namespace kiln
