// IvfIndex::Search: coarse k-NN over the centroids picks nprobe lists per
// query; each list is scanned by the subclass's IvfListScanner into a
// bounded top-k. Parallel over queries; cancellation is polled per block.
#include <algorithm>
#include <vector>

#include "kiln/index/ivf_index.h"
#include "kiln/index/prepared_vectors.h"
#include "kiln/linalg/topk.h"

namespace kiln::index {
namespace {
// Queries per coarse-search block (between cancellation polls).
constexpr size_t kQueryBlock = 1024;
// List entries per scanner call: the scratch distances stay in L1/L2 cache.
constexpr size_t kScanBlock = 1024;
}  // namespace

void IvfIndex::ScanLists(IvfListScanner& scanner, const float* query, const float* coarse,
                         const idx_t* probes, size_t nprobe, size_t k, float* scratch,
                         float* distances, idx_t* labels) const {
  const bool similarity = IsSimilarity(metric());
  const size_t cs = code_size();
  linalg::TopKMin heap(k);  // similarities enter negated
  scanner.SetQuery(query);
  for (size_t p = 0; p < nprobe; ++p) {
    if (probes[p] < 0) continue;
    const auto list_no = static_cast<size_t>(probes[p]);
    const size_t size = lists_.list_size(list_no);
    if (size == 0) continue;
    const uint8_t* codes = lists_.codes(list_no);
    const idx_t* ids = lists_.ids(list_no);
    scanner.SetList(list_no, coarse[p]);
    for (size_t j0 = 0; j0 < size; j0 += kScanBlock) {
      const size_t m = std::min(kScanBlock, size - j0);
      scanner.Scan(codes + j0 * cs, m, scratch);
      float threshold = heap.threshold();
      for (size_t j = 0; j < m; ++j) {
        const float v = similarity ? -scratch[j] : scratch[j];
        if (v < threshold) {
          heap.Push(v, ids[j0 + j]);
          threshold = heap.threshold();
        }
      }
    }
  }
  heap.Extract(distances, labels);  // missing slots: (+inf, -1)
  if (similarity) {
    for (size_t j = 0; j < k; ++j) distances[j] = -distances[j];
  }
}

Status IvfIndex::Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                        float* distances, idx_t* labels, const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  ThreadPool& pool = *ctx.pool;
  const size_t nprobe = std::min(params.nprobe, nlist());
  std::vector<float> coarse_dist;
  std::vector<idx_t> coarse_ids;
  std::vector<std::vector<float>> scratch(pool.num_threads(), std::vector<float>(kScanBlock));
  std::vector<std::unique_ptr<IvfListScanner>> scanners(pool.num_threads());
  for (auto& s : scanners) s = MakeScanner();
  for (size_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("search"));
    const size_t mq = std::min(kQueryBlock, nq - q0);
    PreparedVectors block(queries + q0 * d(), mq, d(), metric(), pool);
    coarse_dist.resize(mq * nprobe);
    coarse_ids.resize(mq * nprobe);
    KILN_RETURN_IF_ERROR(quantizer_->SearchPrepared(block.data(), mq, nprobe, coarse_dist.data(),
                                                    coarse_ids.data(), ctx));
    pool.ParallelFor(mq, 16, [&](size_t i0, size_t i1, int worker) {
      for (size_t i = i0; i < i1; ++i) {
        ScanLists(*scanners[worker], block.data() + i * d(), coarse_dist.data() + i * nprobe,
                  coarse_ids.data() + i * nprobe, nprobe, k, scratch[worker].data(),
                  distances + (q0 + i) * k, labels + (q0 + i) * k);
      }
    });
  }
  return OkStatus();
}

}  // namespace kiln::index
