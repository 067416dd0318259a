// Partition quality measured the way vchordrq searches a tree:
//  - every base vector goes to one leaf by greedy descent (nearest node of
//    the top level, then the nearest of that node's children, ...), as
//    VectorChord's insert does;
//  - a query keeps the best probes[0] nodes of the top level, then the best
//    probes[1] among all their children, and so on (vchordrq.probes, one
//    value per level below the root, top-first);
//  - partition recall@k is the share of the exact k nearest neighbours whose
//    leaf was probed; "scanned" is the number of base vectors in the probed
//    leaves (what vchordrq then reranks).
// Routing: squared L2 for Metric::kL2, largest inner product otherwise
// (VectorChord routes cos and ip indexes by dot product). For kCosine the
// caller normalises base and queries first.
#pragma once

#include <cstddef>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/base/types.h"
#include "kiln/partition/partition_tree.h"

namespace kiln::partition {

struct ProbeResult {
  std::vector<size_t> probes;
  double recall = 0;        // partition recall@k
  double mean_scanned = 0;  // base vectors in probed leaves, per query
};

struct LeafSizeStats {
  size_t leaves = 0;
  size_t empty = 0;
  size_t min = 0, median = 0, p99 = 0, max = 0;
};

struct PartitionEvalResult {
  size_t k = 0;
  LeafSizeStats leaf_sizes;
  std::vector<ProbeResult> results;  // one per probe setting, in order
};

// Leaf of each of the n vectors x by greedy descent (index into tree.levels.back()).
std::vector<uint32_t> AssignLeaves(const PartitionTree& tree, const float* x, size_t n, Metric metric,
                                   const ExecContext& ctx);

// Sizes of the leaves for an assignment from AssignLeaves.
LeafSizeStats ComputeLeafSizeStats(const std::vector<uint32_t>& leaf_of, size_t num_leaves);

// InvalidArgument when a probe setting does not have one value per level
// below the root or has a zero, when k == 0 or k > nb, or on a dimension
// mismatch; Cancelled on ctx.cancel.
StatusOr<PartitionEvalResult> EvaluatePartition(const PartitionTree& tree, const float* base, size_t nb,
                                                const float* queries, size_t nq, size_t d, Metric metric, size_t k,
                                                const std::vector<std::vector<size_t>>& probe_settings,
                                                const ExecContext& ctx);

}  // namespace kiln::partition
