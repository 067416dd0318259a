// The input of HnswIndex::AddOwned, read in blocks (internal to kiln_index).
// The caller gives its rows up: after a block has been read for the last
// time the caller's release(begin, end) returns its memory. A block whose
// build codes reproduce it exactly is released as soon as it is encoded (its
// rows are decoded from the codes later); other blocks when their rows have
// been copied, unless the caller's rows stay readable after release (a
// mapped file reads them back), in which case every block is released as
// soon as it is encoded and read again later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"
#include "kiln/index/hnsw/hnsw_codes.h"

namespace kiln::index::hnsw {

// Rows per block read (and released by the caller): about 2 MiB of floats,
// at most kOwnedBlock rows.
inline constexpr size_t kOwnedBlock = 16384;
inline constexpr size_t kOwnedBlockBytes = size_t{2} << 20;

class OwnedRows {
 public:
  using Release = std::function<void(size_t begin, size_t end)>;
  // x: n×d rows (prepared per block for metric: unit norm for cosine).
  OwnedRows(const float* x, size_t n, size_t d, Metric metric, const Release& release,
            bool readable_after_release);

  size_t n() const { return n_; }
  bool readable_after_release() const { return readable_after_release_; }
  // Two passes over the rows into codes (sized n), releasing what it can.
  // With fine_when_lossy (rows readable after release only) also returns
  // fine codes of every row once a block's codes are lossy (none when all
  // are exact: no bytes or work spent on them).
  std::optional<FineCodes> EncodeInto(BuildCodes& codes, bool fine_when_lossy, bool inner_product,
                                      ThreadPool& pool);
  // The prepared rows (n×d): decoded from codes where a block was encoded
  // exactly, copied from the input otherwise (every block when codes is
  // null); each input block is released after it is read, and with
  // free_codes each code block is freed once its rows are written. With
  // during_build the rows are read at random by the build that follows and
  // get 2 MiB pages; rows assembled after it do not (on the VMs measured,
  // faulting in huge pages cost ~0.3 s per 188 MB, serially, for nothing).
  std::vector<float> Assemble(BuildCodes* codes, bool free_codes, bool during_build, ThreadPool& pool);
  // Releases every block not released yet (at the end, whatever the outcome).
  void ReleaseRest();

 private:
  size_t blocks() const { return (n_ + block_ - 1) / block_; }
  size_t begin(size_t block) const { return block * block_; }
  size_t size(size_t block) const;
  // Calls fn(prepared rows) for the rows of block.
  void ReadBlock(size_t block, ThreadPool& pool, const std::function<void(const float*)>& fn) const;
  void ReleaseBlock(size_t block);

  const float* x_;
  size_t n_, d_;
  size_t block_;  // rows per block
  Metric metric_;
  const Release& release_;
  bool readable_after_release_;
  std::vector<uint8_t> released_;   // per block: released since last read
  std::vector<uint8_t> decodable_;  // per block: its codes are exact
};

}  // namespace kiln::index::hnsw
