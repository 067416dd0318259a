#include "kiln/index/hnsw_index.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "kiln/base/check.h"
#include "kiln/index/hnsw/hnsw_build.h"
#include "kiln/index/hnsw/hnsw_codes.h"
#include "kiln/index/hnsw/hnsw_faiss_walk.h"
#include "kiln/index/hnsw/hnsw_memory.h"
#include "kiln/index/hnsw/hnsw_owned_rows.h"
#include "kiln/index/hnsw/hnsw_search.h"
#include "kiln/index/hnsw/hnsw_space.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/prepared_vectors.h"

namespace kiln::index {
namespace {

// Queries per block of Search (between cancellation polls).
constexpr size_t kQueryBlock = 4096;

// Runs the queries of [q0, q0 + nq) through the graph with `space`
// (one Space per worker) and writes Index::Search's output.
template <class MakeSpace>
void SearchBlock(const HnswGraph& g, HnswWalk walk, MakeSpace make_space, const float* queries,
                 size_t d, size_t nq, size_t k, size_t ef, bool similarity, float* distances,
                 idx_t* labels, ThreadPool& pool) {
  std::vector<hnsw::FaissWalkScratch> scratch(static_cast<size_t>(pool.num_threads()));
  pool.ParallelFor(nq, 16, [&](size_t b, size_t e, int worker) {
    auto space = make_space();
    hnsw::FaissWalkScratch& s = scratch[static_cast<size_t>(worker)];
    std::vector<hnsw::Neighbor> found;
    for (size_t i = b; i < e; ++i) {
      float* dist = distances + i * k;
      idx_t* lab = labels + i * k;
      found.clear();
      if (g.ntotal() > 0) {
        space.SetQuery(queries + i * d);
        if (walk == HnswWalk::kFaiss)
          hnsw::SearchGraphFaiss(g, space, k, ef, s, found);
        else
          hnsw::SearchGraph(g, space, k, ef, s.walk, found);
      }
      for (size_t j = 0; j < k; ++j) {
        if (j < found.size()) {
          dist[j] = similarity ? -found[j].d : found[j].d;
          lab[j] = found[j].id;
        } else {
          dist[j] = similarity ? -INFINITY : INFINITY;
          lab[j] = -1;
        }
      }
    }
  });
}

}  // namespace

HnswIndex::HnswIndex(size_t d, Metric metric, size_t M, uint64_t seed)
    : Index(d, metric), graph_(M), storage_(std::make_unique<FlatIndex>(d, metric)), rng_(seed) {}

HnswIndex::HnswIndex(size_t d, Metric metric, size_t M, quant::SqType sq_type, uint64_t seed)
    : Index(d, metric),
      graph_(M),
      storage_(std::make_unique<ScalarQuantizerIndex>(d, metric, sq_type)),
      rng_(seed) {}

HnswIndex::HnswIndex(size_t d, Metric metric, HnswGraph graph, std::unique_ptr<Index> storage)
    : Index(d, metric), graph_(std::move(graph)), storage_(std::move(storage)),
      rng_(kDefaultHnswSeed) {}

StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::FromParts(HnswGraph graph,
                                                          std::unique_ptr<Index> storage) {
  if (storage == nullptr) return InvalidArgumentError("HNSW index: no storage");
  if (dynamic_cast<FlatIndex*>(storage.get()) == nullptr &&
      dynamic_cast<ScalarQuantizerIndex*>(storage.get()) == nullptr)
    return InvalidArgumentError("HNSW index: storage \"{}\" is neither Flat nor SQ",
                                storage->Describe());
  if (storage->ntotal() != graph.ntotal())
    return InvalidArgumentError("HNSW index: storage holds {} vectors, the graph {} nodes",
                                storage->ntotal(), graph.ntotal());
  KILN_RETURN_IF_ERROR(graph.Validate());
  const size_t d = storage->d();
  const Metric metric = storage->metric();
  return std::unique_ptr<HnswIndex>(new HnswIndex(d, metric, std::move(graph), std::move(storage)));
}

std::string HnswIndex::Describe() const {
  return fmt::format("HNSW{},{}", graph_.M(), storage_->Describe());
}

Status HnswIndex::Train(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckTrainArgs(x, n));
  if (dynamic_cast<ScalarQuantizerIndex*>(storage_.get()) == nullptr) return OkStatus();
  return storage_->Train(x, n, ctx).WithContext(Describe());
}

std::vector<float> HnswIndex::DecodedStorage(ThreadPool& pool) const {
  std::vector<float> rows;
  if (const auto* sq = dynamic_cast<const ScalarQuantizerIndex*>(storage_.get())) {
    rows.resize(sq->ntotal() * d());
    sq->sq().Decode(sq->codes().data(), sq->ntotal(), rows.data(), pool);
  }
  return rows;
}

Status HnswIndex::CheckCapacity(size_t n) const {
  if (ntotal() + n > static_cast<size_t>(INT32_MAX))
    return InvalidArgumentError("{}: add: {} + {} vectors exceed the HNSW limit of {} nodes",
                                Describe(), ntotal(), n, INT32_MAX);
  return OkStatus();
}

hnsw::HnswBuildOptions HnswIndex::BuildOptions() const {
  hnsw::HnswBuildOptions options;
  options.ef_construction = ef_construction();
  options.build_codes = build_codes_;
  options.rerank = rerank_;
  options.locality_order = locality_order_;
  return options;
}

void HnswIndex::AppendLevels(size_t n) {
  std::vector<int> node_levels(n);
  for (int& level : node_levels) {
    const double uniform = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    level = graph_.DrawLevel(uniform);
  }
  graph_.AppendNodes(node_levels);
}

Status HnswIndex::InsertIntoGraph(const hnsw::FloatSpace& space, size_t n, const ExecContext& ctx) {
  const size_t old = ntotal();
  AppendLevels(n);
  Status status = hnsw::InsertNodes(graph_, old, space, d(), IsSimilarity(metric()), BuildOptions(), ctx);
  if (!status.ok()) graph_.Truncate(old);
  return status;
}

Status HnswIndex::Add(const float* x, size_t n, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(CheckAddArgs(x, n));
  if (n == 0) return OkStatus();
  KILN_RETURN_IF_ERROR(CheckCapacity(n));
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
  const size_t old = ntotal();
  PreparedVectors prepared(x, n, d(), metric(), *ctx.pool);
  const std::vector<float> decoded = DecodedStorage(*ctx.pool);
  const float* old_rows = old == 0 ? nullptr
                          : decoded.empty()
                              ? static_cast<const FlatIndex&>(*storage_).vectors()
                              : decoded.data();
  hnsw::FloatSpace space(old_rows, old, prepared.data(), d(), IsSimilarity(metric()));
  KILN_RETURN_IF_ERROR(InsertIntoGraph(space, n, ctx));
  // The storage prepares (normalises) its own copy again; cheap next to the graph.
  ExecContext uncancellable{ctx.pool, nullptr, nullptr};
  return storage_->Add(x, n, uncancellable);
}

Status HnswIndex::AddOwned(const float* x, size_t n, const ReleaseRows& release,
                           const ExecContext& ctx) {
  return AddOwned(x, n, release, false, ctx);
}

Status HnswIndex::AddOwned(const float* x, size_t n, const ReleaseRows& release,
                           bool readable_after_release, const ExecContext& ctx) {
  return AddOwnedFrom(x, n, release, readable_after_release, nullptr, ctx);
}

Status HnswIndex::AddOwnedMapped(const float* x, size_t n, const ReleaseRows& release,
                                 std::shared_ptr<const MappedFile> rows_file, const ExecContext& ctx) {
  KILN_CHECK(rows_file != nullptr);
  return AddOwnedFrom(x, n, release, true, std::move(rows_file), ctx);
}

Status HnswIndex::AddOwnedFrom(const float* x, size_t n, const ReleaseRows& release, bool readable_after_release,
                               std::shared_ptr<const MappedFile> rows_file, const ExecContext& ctx) {
  if (ntotal() != 0 || dynamic_cast<FlatIndex*>(storage_.get()) == nullptr) {
    Status status = Add(x, n, ctx);
    release(0, n);
    return status;
  }
  Status status = CheckAddArgs(x, n);
  if (status.ok()) status = CheckCapacity(n);
  if (status.ok()) status = ctx.CheckCancelled("hnsw insert");
  if (!status.ok() || n == 0) {
    release(0, n);
    return status;
  }
  hnsw::OwnedRows input(x, n, d(), metric(), release, readable_after_release);
  status = build_codes_ && !locality_order_ ? AddOwnedOnCodes(input, x, std::move(rows_file), ctx)
                                            : AddOwnedCopy(input, ctx);
  input.ReleaseRest();
  if (!status.ok()) graph_.Truncate(0);
  return status;
}

Status HnswIndex::AddOwnedCopy(hnsw::OwnedRows& input, const ExecContext& ctx) {
  // The stored copy, filled block by block while the caller releases each
  // block behind it; the graph is built on it.
  std::vector<float> rows = input.Assemble(nullptr, false, true, *ctx.pool);
  hnsw::FloatSpace space(rows.data(), input.n(), nullptr, d(), IsSimilarity(metric()));
  KILN_RETURN_IF_ERROR(InsertIntoGraph(space, input.n(), ctx));
  // The storage (and its norms) once the build's codes are freed.
  KILN_ASSIGN_OR_RETURN(storage_, FlatIndex::FromVectors(d(), metric(), std::move(rows)));
  return OkStatus();
}

Status HnswIndex::AddOwnedOnCodes(hnsw::OwnedRows& input, const float* x,
                                  std::shared_ptr<const MappedFile> rows_file, const ExecContext& ctx) {
  const bool inner_product = IsSimilarity(metric());
  hnsw::BuildCodes codes(input.n(), d(), inner_product);
  // Rows that can be read again after the build are re-ranked on fine codes
  // (half their bytes) instead of being held during it.
  std::optional<hnsw::FineCodes> fine =
      input.EncodeInto(codes, rerank_ && input.readable_after_release(), inner_product, *ctx.pool);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("hnsw insert"));
  const bool rerank = rerank_ && !codes.exact();  // fine codes exist only then
  // Lossy codes whose rows cannot be read again: the rows during the build
  // too, re-ranked on the same fine grid (the same graph either way).
  std::vector<float> rows;
  if (rerank && !fine) rows = input.Assemble(&codes, false, true, *ctx.pool);
  const hnsw::FloatSpace float_rows(rows.data(), input.n(), nullptr, d(), inner_product);
  AppendLevels(input.n());
  if (fine) {
    const hnsw::FineSpace fine_rows(*fine);
    KILN_RETURN_IF_ERROR(hnsw::InsertNodesOnCodes(graph_, 0, codes, &fine_rows, ef_construction(), ctx));
    fine.reset();
  } else {
    const hnsw::FineRowSpace fine_rows(codes, float_rows, inner_product);
    KILN_RETURN_IF_ERROR(hnsw::InsertNodesOnCodes(graph_, 0, codes, rerank ? &fine_rows : nullptr,
                                                  ef_construction(), ctx));
  }
  // Rows in a file that stores them as given stay there; otherwise the rows
  // after the build, freeing the codes as they are read.
  if (rows.empty() && rows_file != nullptr && metric() != Metric::kCosine) {
    storage_ = FlatIndex::FromMappedRows(d(), metric(), x, input.n(), std::move(rows_file));
    return OkStatus();
  }
  if (rows.empty()) rows = input.Assemble(&codes, true, false, *ctx.pool);
  KILN_ASSIGN_OR_RETURN(storage_, FlatIndex::FromVectors(d(), metric(), std::move(rows)));
  return OkStatus();
}

Status HnswIndex::Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                         float* distances, idx_t* labels, const ExecContext& ctx) const {
  KILN_RETURN_IF_ERROR(CheckSearchArgs(queries, nq, k, params, distances, labels));
  const size_t ef = params.ef_search != 0 ? params.ef_search : ef_search();
  const bool similarity = IsSimilarity(metric());
  for (size_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("search"));
    const size_t m = std::min(kQueryBlock, nq - q0);
    PreparedVectors block(queries + q0 * d(), m, d(), metric(), *ctx.pool);
    float* dist = distances + q0 * k;
    idx_t* lab = labels + q0 * k;
    if (const auto* sq = dynamic_cast<const ScalarQuantizerIndex*>(storage_.get())) {
      auto make = [&] { return hnsw::SqSpace(sq->sq(), sq->codes().data(), similarity); };
      SearchBlock(graph_, walk_, make, block.data(), d(), m, k, ef, similarity, dist, lab, *ctx.pool);
    } else {
      const auto& flat = static_cast<const FlatIndex&>(*storage_);
      auto make = [&] { return hnsw::FloatSpace(flat.vectors(), ntotal(), nullptr, d(), similarity); };
      SearchBlock(graph_, walk_, make, block.data(), d(), m, k, ef, similarity, dist, lab, *ctx.pool);
    }
  }
  return OkStatus();
}

HnswIndex* FindHnsw(Index& index) {
  Index* inner = &index;
  if (auto* map = dynamic_cast<IdMapIndex*>(inner)) inner = &map->mutable_inner();
  return dynamic_cast<HnswIndex*>(inner);
}

std::optional<HnswWalk> ParseHnswWalk(std::string_view name) {
  if (name == "faiss") return HnswWalk::kFaiss;
  if (name == "hnswlib") return HnswWalk::kHnswlib;
  return std::nullopt;
}

}  // namespace kiln::index
