// VectorChord (vchordrq) partition trees: the centroid hierarchy an external
// build reads from a table (id integer, parent integer, vector).
//
// Two representations:
//  - PartitionTree: levels top-first (levels.back() are the leaves, the
//    lists that hold data vectors), each node pointing at its parent in the
//    level above; the root is implicit above levels[0].
//  - TreeRows: the table rows, exactly as VectorChord reads them (nullable
//    id, parent and vector, per-row dimension), for validation and I/O.
// docs/vectorchord.md describes the rules; validate.h checks them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/base/thread_pool.h"

namespace kiln::partition {

struct TreeLevel {
  size_t k = 0;
  std::vector<float> centroids;  // k×d
  std::vector<uint32_t> parent;  // k indices into the level above (all 0 for levels[0]: the root)
};

struct PartitionTree {
  size_t d = 0;
  std::vector<float> root;        // d floats
  std::vector<TreeLevel> levels;  // top-first; levels.back() = leaves

  size_t num_nodes() const;
  // Height as VectorChord counts it: levels below the root + 1.
  size_t height() const { return levels.size() + 1; }
};

// Builds the tree from per-level centroids (top-first, each k_i×d): each
// node is attached to its nearest node of the level above (squared L2),
// nodes left without children are dropped (bottom-up, so their own parents
// may go too), and the root is the mean of the top level. With unit_norm the
// centroids are L2-normalised first and the root is normalised too
// (VectorChord routes cos/dot indexes by dot product and never normalises
// external centroids).
// InvalidArgument when there are no levels, a level is empty, sizes are not
// k×d, or a level has fewer nodes than the level above.
StatusOr<PartitionTree> BuildTree(const std::vector<std::vector<float>>& level_centroids, size_t d, bool unit_norm,
                                  ThreadPool& pool);

// The rows of a partition-tree table (VectorChord's external build input).
struct TreeRows {
  size_t d = 0;                                 // dimension the index expects
  std::vector<std::optional<int32_t>> id;
  std::vector<std::optional<int32_t>> parent;   // nullopt: NULL (the root)
  std::vector<float> vectors;                   // the non-NULL vectors, concatenated in row order
  std::vector<int64_t> row_dim;                 // per row; -1 = NULL vector. Empty: every row has d.

  size_t n() const { return id.size(); }
  int64_t dim(size_t i) const { return row_dim.empty() ? static_cast<int64_t>(d) : row_dim[i]; }
  // Offset in `vectors` of each row's first float (n values).
  std::vector<size_t> Offsets() const;
};

// Rows in VectorChord's layout: id 0 is the root (parent NULL), then the
// nodes level by level top-first with consecutive ids, parent = id of the
// node in the level above.
TreeRows ToRows(const PartitionTree& tree);

// The tree a valid TreeRows describes (ValidateTreeRows must have passed):
// levels ordered by ascending id as VectorChord orders them. An all-NULL
// parent table (the implicit root) gives one level and a mean root.
StatusOr<PartitionTree> FromRows(const TreeRows& rows);

}  // namespace kiln::partition
