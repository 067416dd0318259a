#include "kiln/index/ivf_index.h"

#include <algorithm>
#include <vector>

#include "kiln/base/check.h"
#include "kiln/cluster/sampling.h"
#include "kiln/index/prepared_vectors.h"
#include "kiln/linalg/assign.h"

namespace kiln::index {
namespace {
// Vectors assigned, encoded and appended per step of Add (between
// cancellation polls).
constexpr size_t kAddBlock = 65536;
}  // namespace

IvfIndex::IvfIndex(size_t d, Metric metric, size_t nlist, size_t code_size,
                   IvfTrainParams params)
    : Index(d, metric), train_params_(params), lists_(nlist, code_size) {
  KILN_CHECK(d > 0);
  KILN_CHECK(nlist > 0);
  KILN_CHECK(code_size > 0);
}

Status IvfIndex::SetParts(std::unique_ptr<FlatIndex> quantizer, InvertedLists lists,
                          size_t ntotal, size_t nprobe) {
  if (quantizer == nullptr) return InvalidArgumentError("IVF index: no coarse quantizer");
  if (lists.nlist() == 0)
    return InvalidArgumentError("IVF index: nlist must be at least 1, found 0");
  if (quantizer->d() != d())
    return InvalidArgumentError("IVF index: quantizer dimension {} differs from d = {}",
                                quantizer->d(), d());
  if (quantizer->ntotal() != lists.nlist())
    return InvalidArgumentError("IVF index: quantizer holds {} centroids, expected nlist = {}",
                                quantizer->ntotal(), lists.nlist());
  if (quantizer->metric() != metric())
    return InvalidArgumentError("IVF index: quantizer metric {} differs from the index metric {}",
                                MetricName(quantizer->metric()), MetricName(metric()));
  if (lists.code_size() != code_size())
    return InvalidArgumentError("{}: code_size {} differs from the encoder's {}", Describe(),
                                lists.code_size(), code_size());
  if (lists.total_size() != ntotal)
    return InvalidArgumentError("IVF index: lists hold {} entries, expected ntotal = {}",
                                lists.total_size(), ntotal);
  quantizer_ = std::move(quantizer);
  lists_ = std::move(lists);
  ntotal_ = ntotal;
  nprobe_ = nprobe;
  return OkStatus();
}

Status IvfIndex::TrainEncoder(const float*, size_t, const ExecContext&) { return OkStatus(); }

Status IvfIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckTrainArgs(x, n));
  if (ntotal_ > 0)
    return FailedPreconditionError(
        "{}: train: the index already holds {} vectors; training again "
        "would invalidate its lists",
        Describe(), ntotal_);
  if (n < nlist())
    return InvalidArgumentError(
        "{}: train: {} training vectors is fewer than nlist = {} (need n >= nlist)", Describe(), n,
        nlist());
  cluster::KMeansParams params = train_params_.kmeans;
  if (train_params_.spherical_for_similarity && IsSimilarity(metric())) params.spherical = true;
  PreparedVectors prepared(x, n, d(), metric(), *ctx.pool);
  KILN_ASSIGN_OR_RETURN(cluster::KMeansResult result,
                        cluster::TrainKMeans(prepared.data(), n, d(), nlist(), params, ctx));
  KILN_ASSIGN_OR_RETURN(quantizer_,
                        FlatIndex::FromVectors(d(), metric(), std::move(result.centroids)));
  Status encoder = TrainEncoder(prepared.data(), n, ctx);
  if (!encoder.ok()) quantizer_.reset();  // trained means both parts
  return encoder;
}

Status IvfIndex::AssignLists(const float* x, size_t n, idx_t* list_nos,
                             const ExecContext& ctx) const {
  if (metric() == Metric::kL2) {
    linalg::AssignNearest(x, n, quantizer_->vectors(), quantizer_->norms().data(), nlist(), d(),
                          {list_nos, nullptr, nullptr}, *ctx.pool);
    return OkStatus();
  }
  std::vector<float> similarity(n);  // argmax inner product
  return quantizer_->SearchPrepared(x, n, 1, similarity.data(), list_nos, ctx);
}

void IvfIndex::ComputeResiduals(const float* x, const idx_t* list_nos, size_t n, float* out,
                                const ExecContext& ctx) const {
  const size_t dim = d();
  const float* centroids = quantizer_->vectors();
  ctx.pool->ParallelFor(n, 256, [&](size_t r0, size_t r1, int) {
    for (size_t r = r0; r < r1; ++r) {
      const float* c = centroids + static_cast<size_t>(list_nos[r]) * dim;
      for (size_t j = 0; j < dim; ++j) out[r * dim + j] = x[r * dim + j] - c[j];
    }
  });
}

Status IvfIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  ThreadPool& pool = *ctx.pool;
  const size_t nt = static_cast<size_t>(pool.num_threads());
  const size_t cs = code_size();
  std::vector<idx_t> list_nos;
  std::vector<uint8_t> buffer;
  for (size_t b0 = 0; b0 < n; b0 += kAddBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("add"));
    const size_t m = std::min(kAddBlock, n - b0);
    PreparedVectors block(x + b0 * d(), m, d(), metric(), pool);
    list_nos.resize(m);
    KILN_RETURN_IF_ERROR(AssignLists(block.data(), m, list_nos.data(), ctx));
    const uint8_t* codes = EncodeBlock(block.data(), list_nos.data(), m, &buffer, ctx);
    // Worker r owns the lists with list_no % nt == r and appends in input
    // order, so list contents do not depend on scheduling or thread count.
    const auto first_id = static_cast<idx_t>(ntotal_);  // ntotal_ already counts earlier blocks
    pool.ParallelFor(nt, 1, [&](size_t r0, size_t r1, int) {
      for (size_t r = r0; r < r1; ++r) {
        for (size_t i = 0; i < m; ++i) {
          const auto list_no = static_cast<size_t>(list_nos[i]);
          if (list_no % nt != r) continue;
          const idx_t id = first_id + static_cast<idx_t>(i);
          lists_.Append(list_no, 1, codes + i * cs, &id);
        }
      }
    });
    ntotal_ += m;
    ctx.Report("add", b0 + m, n);
  }
  return OkStatus();
}

StatusOr<const float*> IvfIndex::EncoderTrainingSet(const float* x, size_t& n, size_t max_vectors,
                                                    uint64_t seed, bool residual,
                                                    std::vector<float>& storage,
                                                    const ExecContext& ctx) const {
  std::vector<float> sample;
  if (n > max_vectors) {
    const std::vector<size_t> rows = cluster::SampleIndices(n, max_vectors, seed);
    sample.resize(rows.size() * d());
    for (size_t i = 0; i < rows.size(); ++i)
      std::copy_n(x + rows[i] * d(), d(), sample.data() + i * d());
    x = sample.data();
    n = rows.size();
  }
  if (!residual) {
    if (sample.empty()) return x;
    storage = std::move(sample);
    return storage.data();
  }
  std::vector<idx_t> list_nos(n);
  KILN_RETURN_IF_ERROR(AssignLists(x, n, list_nos.data(), ctx));
  storage.resize(n * d());
  ComputeResiduals(x, list_nos.data(), n, storage.data(), ctx);
  return storage.data();
}

}  // namespace kiln::index
