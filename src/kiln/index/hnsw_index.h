// HNSW graph index over float or scalar-quantized storage. Faiss
// equivalents: IndexHNSWFlat ("HNSW32", "HNSW32,Flat") and IndexHNSWSQ
// ("HNSW32,SQ8"). The graph (hnsw/hnsw_graph.h) is kept in Faiss's layout and
// the storage is a FlatIndex or ScalarQuantizerIndex holding the same
// vectors in id order, so the Faiss writer emits IHNf / IHNs with the storage
// as the nested record.
//
// Distances inside the graph are squared L2, or the negated inner product
// for kInnerProduct and kCosine (as Faiss); Search returns inner products.
// The graph is built on the float vectors given to Add (for SQ storage,
// before encoding), through 8-bit build codes by default (hnsw/hnsw_codes.h);
// SQ storage is searched on its codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <random>
#include <string>

#include "kiln/index/flat_index.h"
#include "kiln/index/hnsw/hnsw_build.h"
#include "kiln/index/hnsw/hnsw_graph.h"
#include "kiln/index/hnsw/hnsw_space.h"
#include "kiln/index/index.h"
#include "kiln/index/sq_index.h"

namespace kiln::index {
namespace hnsw {
class OwnedRows;
}  // namespace hnsw

// How Search walks the graph at level 0.
enum class HnswWalk {
  // Faiss 1.7.3's walk (hnsw/hnsw_faiss_walk.h): the same results a Faiss
  // reader of the written file returns at the same efSearch.
  kFaiss,
  // hnswlib's best-first walk (hnsw/hnsw_search.h): stops when the closest
  // candidate is farther than the ef-th result.
  kHnswlib,
};

// Seed of the level draws when none is given (Faiss's HNSW rng seed).
inline constexpr uint64_t kDefaultHnswSeed = 12345;

class HnswIndex final : public Index {
 public:
  // M in [kMinHnswM, kMaxHnswM]. Flat storage.
  HnswIndex(size_t d, Metric metric, size_t M, uint64_t seed = kDefaultHnswSeed);
  // Scalar-quantized storage of the given type (trained by Train).
  HnswIndex(size_t d, Metric metric, size_t M, quant::SqType sq_type,
            uint64_t seed = kDefaultHnswSeed);
  // For readers: storage (FlatIndex or ScalarQuantizerIndex, same metric)
  // with storage->ntotal() == graph.ntotal(); the graph must pass
  // HnswGraph::Validate. InvalidArgument / DataLoss otherwise.
  static StatusOr<std::unique_ptr<HnswIndex>> FromParts(HnswGraph graph,
                                                        std::unique_ptr<Index> storage);

  size_t ntotal() const override { return graph_.ntotal(); }
  bool is_trained() const override { return storage_->is_trained(); }
  // "HNSW32,Flat" or "HNSW32,SQ8".
  std::string Describe() const override;

  // SQ storage: trains the quantizer on x. Flat: nothing to do.
  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // Inserts the vectors into the graph (parallel over ctx.pool), then stores
  // them. Cancelled: the index is left as it was before the call.
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Add for a caller that gives its rows up: with flat storage and an empty
  // index the rows are read in blocks (hnsw/hnsw_owned_rows.h), calling
  // release(begin, end) after a block's last read so that the caller returns
  // their memory (Dataset::ReleaseRows), and the input, the build codes and
  // the stored copy are not all resident at once. readable_after_release:
  // the rows can be read again after release (Dataset::is_mapped: a mapped
  // file reads them back), so a block may be read, released, and read and
  // released again later; otherwise each row is released once. Memory on
  // build codes (the default): exact codes (8-bit pixels), or lossy codes
  // without re-ranking: codes + graph during the build, the stored rows
  // decoded from the codes or read again after it (a caller whose rows are
  // not readable after release keeps lossy blocks until then); lossy codes
  // with re-ranking: rows + codes + graph. Otherwise Add, then release(0, n).
  // The rows are released whatever the outcome; on error or cancellation the
  // index is left empty as it was.
  using ReleaseRows = std::function<void(size_t begin, size_t end)>;
  Status AddOwned(const float* x, size_t n, const ReleaseRows& release,
                  bool readable_after_release, const ExecContext& ctx);
  // AddOwned with rows that are not readable after release.
  Status AddOwned(const float* x, size_t n, const ReleaseRows& release, const ExecContext& ctx);
  // AddOwned with rows inside a mapped file (readable after release). On
  // build codes, when the rows are stored as given (L2, inner product), the
  // index keeps them in place (FlatIndex::FromMappedRows, the file stays
  // mapped) instead of decoding or copying them after the build: the memory
  // after the build is the graph and whatever pages of the file are read.
  Status AddOwnedMapped(const float* x, size_t n, const ReleaseRows& release,
                        std::shared_ptr<const MappedFile> rows_file, const ExecContext& ctx);
  // ef = params.ef_search, or ef_search() when 0; at least k.
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  const HnswGraph& graph() const { return graph_; }
  const Index& storage() const { return *storage_; }
  size_t M() const { return graph_.M(); }
  size_t ef_construction() const { return static_cast<size_t>(graph_.ef_construction); }
  size_t ef_search() const { return static_cast<size_t>(graph_.ef_search); }
  void set_ef_construction(size_t ef) { graph_.ef_construction = static_cast<int32_t>(ef); }
  void set_ef_search(size_t ef) { graph_.ef_search = static_cast<int32_t>(ef); }
  // Build on 8-bit codes (default) or on floats throughout (hnsw/hnsw_build.h).
  void set_build_codes(bool on) { build_codes_ = on; }
  // Re-rank candidates on floats when the build codes are lossy (default on).
  void set_rerank(bool on) { rerank_ = on; }
  // Large first builds on codes relabel the nodes in a locality order for
  // the build (hnsw/hnsw_locality.h; default off).
  void set_locality_order(bool on) { locality_order_ = on; }
  void set_walk(HnswWalk walk) { walk_ = walk; }
  HnswWalk walk() const { return walk_; }
  // Reseeds the level draws (before the first Add, for a reproducible build).
  void set_seed(uint64_t seed) { rng_.seed(seed); }

 private:
  HnswIndex(size_t d, Metric metric, HnswGraph graph, std::unique_ptr<Index> storage);
  // Float rows of the stored vectors (decoded for SQ storage; empty for flat).
  std::vector<float> DecodedStorage(ThreadPool& pool) const;
  // Checks n more nodes fit (InvalidArgument otherwise).
  Status CheckCapacity(size_t n) const;
  hnsw::HnswBuildOptions BuildOptions() const;
  // Draws levels for n new nodes and appends them to the graph (no links).
  void AppendLevels(size_t n);
  // AddOwned's two builds: on the stored copy, or on codes from the input.
  Status AddOwnedCopy(hnsw::OwnedRows& input, const ExecContext& ctx);
  // rows_file: store x in place (see AddOwnedMapped), or null.
  Status AddOwnedOnCodes(hnsw::OwnedRows& input, const float* x, std::shared_ptr<const MappedFile> rows_file,
                         const ExecContext& ctx);
  Status AddOwnedFrom(const float* x, size_t n, const ReleaseRows& release, bool readable_after_release,
                      std::shared_ptr<const MappedFile> rows_file, const ExecContext& ctx);
  // Draws levels for n new nodes and links them into the graph; space gives
  // every node's prepared rows. On error the graph is truncated back.
  Status InsertIntoGraph(const hnsw::FloatSpace& space, size_t n, const ExecContext& ctx);

  HnswGraph graph_;
  std::unique_ptr<Index> storage_;
  std::mt19937_64 rng_;
  bool build_codes_ = true;
  bool rerank_ = true;
  bool locality_order_ = false;
  HnswWalk walk_ = HnswWalk::kFaiss;
};

// The HnswIndex in index (itself or inside an IdMapIndex), or null.
HnswIndex* FindHnsw(Index& index);
// "faiss" or "hnswlib" → the walk; nullopt otherwise.
std::optional<HnswWalk> ParseHnswWalk(std::string_view name);

}  // namespace kiln::index
