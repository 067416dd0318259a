// Vectors as an index sees them. For Metric::kCosine the index works on unit
// vectors, so it L2-normalises a private copy of whatever it trains on, adds
// or searches with; for other metrics the caller's rows are used as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/base/thread_pool.h"
#include "kiln/base/types.h"

namespace kiln::index {

class PreparedVectors {
 public:
  // x: n×d rows; borrowed (not copied) unless metric is kCosine.
  PreparedVectors(const float* x, size_t n, size_t d, Metric metric, ThreadPool& pool);
  PreparedVectors(const PreparedVectors&) = delete;
  PreparedVectors& operator=(const PreparedVectors&) = delete;

  const float* data() const { return data_; }

 private:
  AlignedBuffer<float> copy_;
  const float* data_;
};

// Encodes x (n×d) onto the end of `codes`, code_size bytes a row, in blocks
// of kEncodeBlock rows prepared as above (so a cosine copy stays one block):
// encode(rows, m, out) writes m codes. Checks cancel between blocks and
// reports phase "add". The flat SQ and PQ indexes' Add.
inline constexpr size_t kEncodeBlock = 65536;
Status AppendEncoded(const float* x, size_t n, size_t d, Metric metric, size_t code_size,
                     const std::function<void(const float* rows, size_t m, uint8_t* out)>& encode,
                     std::vector<uint8_t>& codes, const ExecContext& ctx);

}  // namespace kiln::index
