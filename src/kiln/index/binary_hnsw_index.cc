#include "kiln/index/binary_hnsw_index.h"

#include <algorithm>
#include <charconv>
#include <climits>

#include <fmt/format.h>

#include "kiln/index/hnsw/hamming_space.h"
#include "kiln/index/hnsw/hnsw_build.h"
#include "kiln/index/hnsw/hnsw_faiss_walk.h"
#include "kiln/index/index_spec.h"

namespace kiln::index {
namespace {

// Queries per block of Search (between cancellation polls).
constexpr size_t kQueryBlock = 4096;

}  // namespace

std::optional<BinaryHnswSpec> ParseBinaryHnswFactory(std::string_view factory) {
  BinaryHnswSpec spec;
  if (factory.starts_with("IDMap,")) {
    spec.id_map = true;
    factory.remove_prefix(6);
  }
  if (!factory.starts_with("BHNSW")) return std::nullopt;
  factory.remove_prefix(5);
  if (factory.empty()) return spec;
  size_t M = 0;
  const auto [end, ec] = std::from_chars(factory.data(), factory.data() + factory.size(), M);
  if (ec != std::errc() || end != factory.data() + factory.size()) return std::nullopt;
  spec.M = M;
  return spec;
}

StatusOr<BinaryHnswIndex> BinaryHnswIndex::Create(size_t d, size_t M, bool id_map, uint64_t seed) {
  if (d == 0 || d % 8 != 0 || d > kMaxDimension)
    return InvalidArgumentError("binary HNSW: d = {} bits, expected a positive multiple of 8 up to {}", d,
                                kMaxDimension);
  if (M < kMinHnswM || M > kMaxHnswM)
    return InvalidArgumentError("binary HNSW: M = {}, expected {}..{}", M, kMinHnswM, kMaxHnswM);
  return BinaryHnswIndex(d, M, id_map, seed);
}

std::string BinaryHnswIndex::Describe() const {
  return fmt::format("{}BHNSW{}", id_map_on_ ? "IDMap," : "", graph_.M());
}

Status BinaryHnswIndex::Add(const uint8_t* codes, size_t n, const ExecContext& ctx) {
  if (id_map_on_) return InvalidArgumentError("{}: add: an IDMap index needs explicit ids", Describe());
  return Insert(codes, n, ctx);
}

Status BinaryHnswIndex::AddWithIds(const uint8_t* codes, const idx_t* ids, size_t n, const ExecContext& ctx) {
  if (!id_map_on_) return InvalidArgumentError("{}: add with ids: the index has no id map", Describe());
  for (size_t i = 0; i < n; ++i)
    if (ids[i] == -1) return InvalidArgumentError("{}: add with ids: id {} of vector {} is reserved", Describe(), -1, i);
  KILN_RETURN_IF_ERROR(Insert(codes, n, ctx));
  id_map_.insert(id_map_.end(), ids, ids + n);
  return OkStatus();
}

Status BinaryHnswIndex::Insert(const uint8_t* codes, size_t n, const ExecContext& ctx) {
  if (n == 0) return OkStatus();
  if (codes == nullptr) return InvalidArgumentError("{}: add: null codes", Describe());
  const size_t old = ntotal();
  if (old + n > static_cast<size_t>(INT32_MAX))
    return InvalidArgumentError("{}: add: {} + {} vectors exceed the HNSW limit of {} nodes", Describe(), old,
                                n, INT32_MAX);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
  std::vector<int> node_levels(n);
  for (int& level : node_levels) {
    const double uniform = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    level = graph_.DrawLevel(uniform);
  }
  codes_.insert(codes_.end(), codes, codes + n * code_size());
  graph_.AppendNodes(node_levels);
  const hnsw::HammingSpace space(codes_.data(), code_size());
  Status status = hnsw::InsertBinaryNodes(graph_, old, space, std::max<size_t>(graph_.ef_construction, 1), ctx);
  if (!status.ok()) {
    graph_.Truncate(old);
    codes_.resize(old * code_size());
  }
  return status;
}

Status BinaryHnswIndex::Search(const uint8_t* queries, size_t nq, size_t k, size_t ef_search,
                               int32_t* distances, idx_t* labels, const ExecContext& ctx) const {
  if (k == 0) return InvalidArgumentError("{}: search: k must be > 0", Describe());
  if (nq == 0) return OkStatus();
  if (queries == nullptr || distances == nullptr || labels == nullptr)
    return InvalidArgumentError("{}: search: null queries or outputs", Describe());
  const size_t ef = ef_search != 0 ? ef_search : static_cast<size_t>(graph_.ef_search);
  ThreadPool& pool = *ctx.pool;
  std::vector<hnsw::FaissWalkScratch> scratch(static_cast<size_t>(pool.num_threads()));
  for (size_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("search"));
    const size_t m = std::min(kQueryBlock, nq - q0);
    pool.ParallelFor(m, 16, [&](size_t b, size_t e, int worker) {
      hnsw::HammingSpace space(codes_.data(), code_size());
      hnsw::FaissWalkScratch& s = scratch[static_cast<size_t>(worker)];
      std::vector<hnsw::Neighbor> found;
      for (size_t i = q0 + b; i < q0 + e; ++i) {
        found.clear();
        if (ntotal() > 0) {
          space.SetQueryCode(queries + i * code_size());
          hnsw::SearchGraphFaiss(graph_, space, k, ef, s, found);
        }
        for (size_t j = 0; j < k; ++j) {
          const bool hit = j < found.size();
          distances[i * k + j] = hit ? static_cast<int32_t>(found[j].d) : INT32_MAX;
          const idx_t label = hit ? found[j].id : -1;
          labels[i * k + j] = hit && id_map_on_ ? id_map_[static_cast<size_t>(label)] : label;
        }
      }
    });
  }
  return OkStatus();
}

}  // namespace kiln::index
