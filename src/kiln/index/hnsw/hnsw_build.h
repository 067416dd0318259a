// Parallel HNSW construction (internal to kiln_index). Nodes are inserted as
// in the HNSW paper and hnswlib: greedy descent from the entry point to the
// node's level, then at each level down to 0 a best-first search with
// ef_construction, M neighbours chosen by the HNSW heuristic (a candidate is
// kept unless it is closer to an already kept one than to the new node), and
// back links; a full list is re-pruned with the same heuristic to its
// capacity (2M at level 0, M above). Workers insert nodes concurrently and
// take a node's lock to read or change its links. With one thread the
// result depends only on the input and the levels (reproducible).
#pragma once

#include <cstddef>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/index/hnsw/hnsw_graph.h"
#include "kiln/index/hnsw/hnsw_locality.h"
#include "kiln/index/hnsw/hnsw_space.h"

namespace kiln::index::hnsw {

struct HnswBuildOptions {
  size_t ef_construction = kDefaultEfConstruction;
  // Walk the graph on 8-bit build codes (hnsw_codes.h), re-ranking on floats
  // when the codes are lossy; false: float distances throughout.
  bool build_codes = true;
  // With lossy build codes, re-rank each level's candidates on the float
  // rows before choosing neighbours; false: codes alone (rows unread).
  bool rerank = true;
  // With build codes, a graph of at least min_locality_nodes new nodes
  // (first == 0) is built on ids in a locality order (hnsw_locality.h) and
  // mapped back to input ids; the insertion order stays the input order.
  // Off by default: no clear gain measured yet, and +2 % peak memory
  // (docs/hnsw.md).
  bool locality_order = false;
  size_t min_locality_nodes = kMinLocalityNodes;
};

// Links nodes [first, graph.ntotal()) into the graph (their levels already
// appended, their slots empty). rows gives every node's d floats (prepared:
// unit norm for cosine); distances are squared L2, or the negated inner
// product when inner_product. Progress: "hnsw insert". Cancelled: returns
// CancelledError with the graph partly built (the caller truncates it).
Status InsertNodes(HnswGraph& graph, size_t first, const FloatSpace& rows, size_t d,
                   bool inner_product, const HnswBuildOptions& options, const ExecContext& ctx);

class BuildCodes;
class FineSpace;
class FineRowSpace;
// InsertNodes on build codes made by the caller (one per node of the graph),
// re-ranking each level's candidates on rerank_rows (fine codes, stored or
// recomputed from float rows: the same distances) when not null.
Status InsertNodesOnCodes(HnswGraph& graph, size_t first, const BuildCodes& codes,
                          const FineRowSpace* rerank_rows, size_t ef_construction,
                          const ExecContext& ctx);
Status InsertNodesOnCodes(HnswGraph& graph, size_t first, const BuildCodes& codes,
                          const FineSpace* rerank_rows, size_t ef_construction,
                          const ExecContext& ctx);

}  // namespace kiln::index::hnsw

namespace kiln::index::hnsw {

class HammingSpace;
// InsertNodes for binary codes (IndexBinaryHNSW): the same insertion,
// heuristic and reachability repair on Hamming distances, which are exact
// (no build codes, no re-ranking).
Status InsertBinaryNodes(HnswGraph& graph, size_t first, const HammingSpace& codes,
                         size_t ef_construction, const ExecContext& ctx);

}  // namespace kiln::index::hnsw
