// SQL kiln prints for a partition tree: VectorChord's CREATE INDEX with an
// external build, a starting vchordrq.probes, and the recommended lists for
// a row count (VectorChord's docs, usage/indexing.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "kiln/base/types.h"

namespace kiln::partition {

// CREATE INDEX ON <table> USING vchordrq (<column> <ops>) WITH (options = $$ ... $$):
// l2 -> vector_l2_ops with residual_quantization = true; cosine ->
// vector_cosine_ops, ip -> vector_ip_ops, both with it false; then
// [build.external] table = '<tree_table>'.
std::string CreateIndexSql(const std::string& table, const std::string& column, Metric metric,
                           const std::string& tree_table);

// One probes value per level below the root, top-first: about a tenth of
// each upper level, and max(10, ~0.35·√lists) at the leaves (VectorChord's
// examples: '40,140' for [400,160000]). A starting point to measure with
// `kiln partition eval`, not a tuned value.
std::vector<size_t> SuggestProbes(const std::vector<size_t>& level_sizes);

// VectorChord's recommended lists, top-first, for n rows: n/500 (at least 1)
// below 2e6 rows, 4·√n up to 5e7, else two levels [√leaves, 16·√n].
std::vector<size_t> RecommendedLists(size_t n);

}  // namespace kiln::partition
