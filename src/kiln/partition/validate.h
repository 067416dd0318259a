// VectorChord's external-build rules for a partition-tree table, checked
// before anything is written, with VectorChord's own error texts
// (src/index/vchordrq/am/am_build.rs, make_external_build; unchanged since
// v0.2.0), so a table kiln accepts is one CREATE INDEX accepts:
//
//   id not NULL                external build: id could not be NULL
//   vector not NULL            external build: vector could not be NULL
//   unique ids                 external build: there are at least two lines have same id, id = {id}
//   one dimension              external build: incorrect dimension, id = {id}
//   parent exists              external build: parent does not exist, id = {id}, parent = {parent}
//   one root                   external build: two root, id = {root}, id = {id}
//   a root                     external build: there are no root
//   every row reachable        external build: detect a cycle, id = {id}
//   equal leaf depth           external build: two heights, id = {id}
//   2..9 levels incl. the root external build: unexpected tree height, height = {h}
//   table name                 error while validating options: table name is not well-formed
//
// Rows are checked in VectorChord's order (row order for per-row rules,
// ascending id for the tree rules), so the first error is the one
// CREATE INDEX would raise. VectorChord cannot actually report unreachable
// rows (they panic with an opaque lookup error); kiln reports them as a
// cycle, naming the smallest id on it. Non-finite values (which pgvector
// rejects on input) are reported as "vector of id {id} has a non-finite
// value at dimension {j}".
#pragma once

#include <string_view>

#include "kiln/base/status.h"
#include "kiln/partition/partition_tree.h"

namespace kiln::partition {

// InvalidArgument with the first broken rule's message; OK for a table that
// VectorChord builds from (including the implicit-root form: >= 2 rows, all
// parents NULL).
Status ValidateTreeRows(const TreeRows& rows);

// `[schema.]name`, each part [A-Za-z_][A-Za-z0-9_$]*.
Status ValidateTableName(std::string_view table);

// VectorChord's tree height limits: 2..9 including the root.
inline constexpr size_t kMinTreeHeight = 2;
inline constexpr size_t kMaxTreeHeight = 9;

}  // namespace kiln::partition
