#include "kiln/index/prepared_vectors.h"

#include <algorithm>
#include <cstring>

#include "kiln/linalg/norms.h"

namespace kiln::index {

PreparedVectors::PreparedVectors(const float* x, size_t n, size_t d, Metric metric,
                                 ThreadPool& pool)
    : data_(x) {
  if (metric != Metric::kCosine || n == 0) return;
  copy_.Resize(n * d);
  std::memcpy(copy_.data(), x, n * d * sizeof(float));
  linalg::NormalizeRows(copy_.data(), n, d, pool);
  data_ = copy_.data();
}

Status AppendEncoded(const float* x, size_t n, size_t d, Metric metric, size_t code_size,
                     const std::function<void(const float* rows, size_t m, uint8_t* out)>& encode,
                     std::vector<uint8_t>& codes, const ExecContext& ctx) {
  for (size_t b0 = 0; b0 < n; b0 += kEncodeBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("add"));
    const size_t m = std::min(kEncodeBlock, n - b0);
    PreparedVectors block(x + b0 * d, m, d, metric, *ctx.pool);
    const size_t old = codes.size();
    codes.resize(old + m * code_size);
    encode(block.data(), m, codes.data() + old);
    ctx.Report("add", b0 + m, n);
  }
  return OkStatus();
}

}  // namespace kiln::index
