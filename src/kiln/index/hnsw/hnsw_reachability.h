// Level-0 reachability of a built HNSW graph (internal to kiln_index).
#pragma once

#include <cstddef>

#include "kiln/index/hnsw/hnsw_graph.h"

namespace kiln::index::hnsw {

// Makes every node reachable from the entry point through level-0 links
// (pruning can strand a few). An unreachable node u gets a link from the
// reachable node with a free slot that is fewest hops away along the
// out-links of u (u's own neighbours first): adding a link strands nothing,
// so one pass over the graph settles it. Only when no such node is found
// within a bounded search is a full list's last link replaced, after which
// the pass is repeated (at most a few times). Returns the number of nodes
// linked.
size_t RepairReachability(HnswGraph& graph);

// Nodes reachable from the entry point through level-0 links (0 when empty).
size_t CountReachable(const HnswGraph& graph);

}  // namespace kiln::index::hnsw
