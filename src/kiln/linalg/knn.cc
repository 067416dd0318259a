#include "kiln/linalg/knn.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/linalg/gemm.h"
#include "kiln/linalg/norms.h"
#include "kiln/linalg/topk.h"

namespace kiln::linalg {
namespace {
// Block sizes: a query block × base block of dot products stays in L2 cache.
constexpr size_t kQueryBlock = 64;
constexpr size_t kBaseBlock = 1024;
}  // namespace

Status ExactKnn(const float* queries, size_t nq, const float* base, size_t nb, size_t d,
                Metric metric, size_t k, const float* base_norms, float* distances,
                idx_t* labels, const ExecContext& ctx) {
  ThreadPool& pool = *ctx.pool;
  const bool similarity = IsSimilarity(metric);
  std::vector<float> norms_storage;
  if (!similarity && base_norms == nullptr) {
    norms_storage.resize(nb);
    RowNormsSqr(base, nb, d, norms_storage.data(), pool);
    base_norms = norms_storage.data();
  }
  std::vector<AlignedBuffer<float>> scratch(pool.num_threads());
  for (auto& s : scratch) s.Resize(kQueryBlock * kBaseBlock);

  // For similarities the heap keeps the k smallest negated scores.
  pool.ParallelFor(nq, kQueryBlock, [&](size_t q0, size_t q1, int worker) {
    if (ctx.cancelled()) return;
    const size_t mq = q1 - q0;
    float* ip = scratch[worker].data();
    std::vector<TopKMin> heaps(mq, TopKMin(k));
    for (size_t b0 = 0; b0 < nb; b0 += kBaseBlock) {
      const size_t mb = std::min(kBaseBlock, nb - b0);
      SgemmNT(mq, mb, d, 1.0f, queries + q0 * d, d, base + b0 * d, d, 0.0f, ip, mb);
      for (size_t i = 0; i < mq; ++i) {
        const float* row = ip + i * mb;
        TopKMin& heap = heaps[i];
        float thr = heap.threshold();
        for (size_t j = 0; j < mb; ++j) {
          // L2: ||b||² - 2 q·b (the query norm is added back at the end).
          float v = similarity ? -row[j] : base_norms[b0 + j] - 2.0f * row[j];
          if (v < thr) {
            heap.Push(v, static_cast<idx_t>(b0 + j));
            thr = heap.threshold();
          }
        }
      }
    }
    for (size_t i = 0; i < mq; ++i) {
      float* dist = distances + (q0 + i) * k;
      idx_t* lab = labels + (q0 + i) * k;
      heaps[i].Extract(dist, lab);
      const float* q = queries + (q0 + i) * d;
      float qn = 0;
      if (!similarity) {
        for (size_t t = 0; t < d; ++t) qn += q[t] * q[t];
      }
      for (size_t j = 0; j < k; ++j) {
        if (lab[j] < 0) {
          dist[j] = similarity ? -std::numeric_limits<float>::infinity()
                               : std::numeric_limits<float>::infinity();
        } else if (similarity) {
          dist[j] = -dist[j];
        } else {
          dist[j] = std::max(0.0f, dist[j] + qn);
        }
      }
    }
  });
  return ctx.CheckCancelled("exact k-NN search");
}

}  // namespace kiln::linalg
