// Locality order for HNSW construction (internal to kiln_index). The build
// reads a neighbour's code, links, lock and visited stamp for every distance;
// with ids in input order those lie anywhere in arrays of n entries, so past
// the cache every read is a miss. Building on ids where the points of one
// coarse k-means cluster are consecutive puts a node's graph neighbours
// (mostly from its own and nearby clusters) close together in memory. The
// insertion order stays the input order; the graph is mapped back to input
// ids before it is returned (hnsw_build.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/index/hnsw/hnsw_space.h"

namespace kiln::index::hnsw {

// Below this many nodes the build arrays fit in cache and the order is not
// worth its k-means.
inline constexpr size_t kMinLocalityNodes = 50000;
// About this many points per coarse cluster (their codes fit in L2).
inline constexpr size_t kLocalityClusterSize = 1000;

// order[b] = input id of build id b: input ids sorted (stably) by their
// nearest centroid of a short k-means on rows [0, n) (contiguous). Same
// result for the same rows and thread count. Cancelled when ctx is.
StatusOr<std::vector<int32_t>> LocalityOrder(const FloatSpace& rows, size_t n, size_t d,
                                             const ExecContext& ctx);

}  // namespace kiln::index::hnsw
