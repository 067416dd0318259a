#include "kiln/quant/pq/product_quantizer.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kiln/base/aligned_buffer.h"
#include "kiln/base/check.h"
#include "kiln/cluster/kmeans.h"
#include "kiln/cluster/sampling.h"
#include "kiln/linalg/assign.h"
#include "kiln/linalg/norms.h"
#include "kiln/quant/pq/pq_scan.h"
#include "kiln/simd/distances.h"

namespace kiln::quant {
namespace {
// Vectors per encoding block (one block per ParallelFor chunk).
constexpr size_t kEncodeBlock = 1024;

// The dsub columns [m·dsub, (m+1)·dsub) of n rows of x (row stride d) into out.
void GatherSubvectors(const float* x, size_t n, size_t d, size_t m, size_t dsub, float* out) {
  for (size_t i = 0; i < n; ++i)
    std::memcpy(out + i * dsub, x + i * d + m * dsub, dsub * sizeof(float));
}
}  // namespace

Status ProductQuantizer::Validate(size_t d, size_t M, size_t nbits) {
  if (d == 0) return InvalidArgumentError("product quantizer: dimension d must be at least 1");
  if (M == 0)
    return InvalidArgumentError("product quantizer: number of subquantizers M must be at least 1");
  if (d % M != 0)
    return InvalidArgumentError(
        "The dimension of the vector (d = {}) should be a multiple of the number of "
        "subquantizers (M = {})",
        d, M);
  if (nbits < 1 || nbits > kMaxNbits)
    return InvalidArgumentError("product quantizer: nbits must be in 1..{}, found {}", kMaxNbits,
                                nbits);
  return OkStatus();
}

StatusOr<ProductQuantizer> ProductQuantizer::Create(size_t d, size_t M, size_t nbits) {
  KILN_RETURN_IF_ERROR(Validate(d, M, nbits));
  return ProductQuantizer(d, M, nbits);
}

StatusOr<ProductQuantizer> ProductQuantizer::FromCentroids(size_t d, size_t M, size_t nbits,
                                                           std::vector<float> centroids) {
  KILN_RETURN_IF_ERROR(Validate(d, M, nbits));
  ProductQuantizer pq(d, M, nbits);
  if (centroids.size() != d * pq.ksub())
    return InvalidArgumentError(
        "product quantizer: centroid table has {} floats, expected M·ksub·dsub = {}·{}·{} = {}",
        centroids.size(), M, pq.ksub(), pq.dsub(), d * pq.ksub());
  pq.centroids_ = std::move(centroids);
  return pq;
}

Status ProductQuantizer::TrainSubspace(const float* xs, size_t n, size_t m,
                                       const PqTrainParams& params, const ExecContext& ctx) {
  cluster::KMeansParams kp;
  kp.niter = params.niter;
  kp.seed = params.seed;
  kp.init = params.init;
  kp.max_points_per_centroid = 0;  // already subsampled
  KILN_ASSIGN_OR_RETURN(cluster::KMeansResult result,
                        cluster::TrainKMeans(xs, n, dsub(), ksub(), kp, ctx));
  std::memcpy(centroids_.data() + m * ksub() * dsub(), result.centroids.data(),
              ksub() * dsub() * sizeof(float));
  return OkStatus();
}

Status ProductQuantizer::Train(const float* x, size_t n, const PqTrainParams& params,
                               const ExecContext& ctx) {
  if (n < ksub())
    return InvalidArgumentError(
        "product quantizer: training needs at least ksub = 2^{} = {} vectors, found {}", nbits_,
        ksub(), n);
  if (x == nullptr) return InvalidArgumentError("product quantizer: train: null vectors");
  ThreadPool& pool = *ctx.pool;
  // Subsample once for all sub-spaces (Faiss: the same permutation for each).
  size_t nt = n;
  std::vector<size_t> rows;
  if (params.max_points_per_centroid > 0 && n > params.max_points_per_centroid * ksub()) {
    nt = params.max_points_per_centroid * ksub();
    rows = cluster::SampleIndices(n, nt, params.seed);
  }
  const float* train = x;
  AlignedBuffer<float> sample;
  if (!rows.empty()) {
    sample.Resize(nt * d_);
    pool.ParallelFor(nt, 4096, [&](size_t s, size_t e, int) {
      for (size_t i = s; i < e; ++i)
        std::memcpy(sample.data() + i * d_, x + rows[i] * d_, d_ * sizeof(float));
    });
    train = sample.data();
  }
  std::vector<float> trained(M_ * ksub() * dsub());
  centroids_.swap(trained);
  std::vector<Status> status(M_);
  std::atomic<size_t> done{0};
  auto run = [&](size_t m, const ExecContext& sub_ctx) {
    AlignedBuffer<float> xs(nt * dsub());
    GatherSubvectors(train, nt, d_, m, dsub(), xs.data());
    status[m] = TrainSubspace(xs.data(), nt, m, params, sub_ctx);
    ctx.Report("pq train", done.fetch_add(1) + 1, M_);
  };
  if (params.parallel_subspaces && pool.num_threads() > 1) {
    pool.ParallelFor(M_, 1, [&](size_t s, size_t e, int) {
      ThreadPool inline_pool(1);
      ExecContext sub_ctx{&inline_pool, ctx.cancel, nullptr};
      for (size_t m = s; m < e; ++m) run(m, sub_ctx);
    });
  } else {
    ExecContext sub_ctx{ctx.pool, ctx.cancel, nullptr};
    for (size_t m = 0; m < M_; ++m) {
      run(m, sub_ctx);
      if (!status[m].ok()) break;
    }
  }
  for (Status& s : status) {
    if (!s.ok()) {
      centroids_.clear();
      return s;
    }
  }
  return OkStatus();
}

void ProductQuantizer::PackCode(const uint32_t* indices, uint8_t* code) const {
  if (nbits_ == 8) {
    for (size_t m = 0; m < M_; ++m) code[m] = static_cast<uint8_t>(indices[m]);
    return;
  }
  uint64_t acc = 0;
  size_t have = 0;
  for (size_t m = 0; m < M_; ++m) {
    acc |= uint64_t{indices[m]} << have;
    have += nbits_;
    while (have >= 8) {
      *code++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      have -= 8;
    }
  }
  if (have > 0) *code = static_cast<uint8_t>(acc);
}

void ProductQuantizer::UnpackCode(const uint8_t* code, uint32_t* indices) const {
  if (nbits_ == 8) {
    for (size_t m = 0; m < M_; ++m) indices[m] = code[m];
    return;
  }
  const uint64_t mask = ksub() - 1;
  uint64_t acc = 0;
  size_t have = 0;
  for (size_t m = 0; m < M_; ++m) {
    while (have < nbits_) {
      acc |= uint64_t{*code++} << have;
      have += 8;
    }
    indices[m] = static_cast<uint32_t>(acc & mask);
    acc >>= nbits_;
    have -= nbits_;
  }
}

void ProductQuantizer::Encode(const float* x, size_t n, uint8_t* codes, ThreadPool& pool) const {
  KILN_CHECK(is_trained());
  if (n == 0) return;
  const size_t ds = dsub(), ks = ksub();
  // Per sub-space centroids prepared once for the assignment kernel.
  std::vector<float> norms(M_ * ks);
  linalg::RowNormsSqr(centroids_.data(), M_ * ks, ds, norms.data(), pool);
  std::vector<linalg::AssignCentroids> subspaces;
  subspaces.reserve(M_);
  for (size_t m = 0; m < M_; ++m)
    subspaces.emplace_back(centroid(m, 0), norms.data() + m * ks, ks, ds, pool);
  pool.ParallelFor(n, kEncodeBlock, [&](size_t s, size_t e, int) {
    const size_t b = e - s;
    AlignedBuffer<float> xs(b * ds);
    std::vector<idx_t> nearest(b);
    std::vector<uint32_t> indices(b * M_);
    for (size_t m = 0; m < M_; ++m) {
      GatherSubvectors(x + s * d_, b, d_, m, ds, xs.data());
      // Nested in ParallelFor: runs inline on this worker.
      linalg::AssignNearest(xs.data(), b, subspaces[m], {nearest.data(), nullptr, nullptr}, pool);
      for (size_t i = 0; i < b; ++i) indices[i * M_ + m] = static_cast<uint32_t>(nearest[i]);
    }
    for (size_t i = 0; i < b; ++i) PackCode(&indices[i * M_], codes + (s + i) * code_size());
  });
}

void ProductQuantizer::Decode(const uint8_t* codes, size_t n, float* x) const {
  KILN_CHECK(is_trained());
  std::vector<uint32_t> indices(M_);
  for (size_t i = 0; i < n; ++i) {
    UnpackCode(codes + i * code_size(), indices.data());
    for (size_t m = 0; m < M_; ++m)
      std::memcpy(x + i * d_ + m * dsub(), centroid(m, indices[m]), dsub() * sizeof(float));
  }
}

void ProductQuantizer::ComputeDistanceTable(const float* query, Metric metric,
                                            float* table) const {
  const simd::DistanceKernels& kernels = simd::ActiveKernels();
  for (size_t m = 0; m < M_; ++m) {
    if (metric == Metric::kL2) {
      kernels.l2sqr_to_many(query + m * dsub(), centroid(m, 0), ksub(), dsub(), table + m * ksub());
    } else {
      kernels.inner_product_to_many(query + m * dsub(), centroid(m, 0), ksub(), dsub(),
                                    table + m * ksub());
    }
  }
}

void ProductQuantizer::ScanCodes(const float* table, const uint8_t* codes, size_t n,
                                 float* out) const {
  if (nbits_ == 8) {
    static const internal::Scan8Fn scan8 = internal::Scan8For(simd::ActiveSimdLevel());
    scan8(table, M_, codes, n, out);
  } else {
    internal::ScanGeneric(table, M_, nbits_, codes, n, out);
  }
}

}  // namespace kiln::quant
