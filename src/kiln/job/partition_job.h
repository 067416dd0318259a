// `kiln partition` and `kiln partition eval` as jobs: input (file or a
// PostgreSQL column, sampled) -> per-level k-means -> partition tree ->
// VectorChord validation -> output (a PostgreSQL table via binary COPY into
// a temporary table renamed on success, or .npy files) -> CREATE INDEX SQL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/types.h"
#include "kiln/partition/partition_eval.h"
#include "kiln/partition/partition_tree.h"

namespace kiln::job {

enum class PartitionKMeans { kFlat, kHierarchical };

// A PostgreSQL table column: url "postgresql://user@host:port/db".
struct PgColumnRef {
  std::string url;
  std::string table;
  std::string column;
};

struct PartitionJobOptions {
  // Input: exactly one of input_file / source.
  std::string input_file;
  std::optional<PgColumnRef> source;
  // Levels top-first; empty = VectorChord's recommendation for the row count.
  std::vector<size_t> lists;
  size_t sampling_factor = 256;  // sample = lists.back() × factor ...
  size_t sample_size = 0;        // ... unless given
  Metric metric = Metric::kL2;
  PartitionKMeans kmeans = PartitionKMeans::kHierarchical;
  bool balanced = false;
  double max_list_factor = 2.0;
  int niter = 10;
  uint64_t seed = 42;
  // Precomputed centroids per level, top-first (.npy/.fvecs...); replaces k-means.
  std::vector<std::string> centroid_files;
  // Output: a directory, or a postgresql:// URL with output_table.
  std::string output;
  std::string output_table;
  bool replace = false;
  std::optional<bool> vector_type;  // force vector(d) (true) / real[] (false); default: by extension
  // CREATE INDEX target; defaults to the source table/column.
  std::string index_table;
  std::string index_column;
  bool create_index = false;
};

struct PartitionJobResult {
  partition::PartitionTree tree;
  size_t n_input = 0;     // rows in the file / table
  size_t n_sample = 0;    // rows clustered
  std::string sample_method;
  double kmeans_seconds = 0;
  double write_seconds = 0;
  std::string output_description;  // "table public.t_build (real[])" or the directory
  std::string create_index_sql;
  std::string probes_sql;
};

bool IsPostgresUrl(const std::string& s);

StatusOr<PartitionJobResult> RunPartition(const PartitionJobOptions& options, const ExecContext& ctx);

// Reads a tree written by RunPartition: a directory (vectors.npy, parents.npy,
// ids.npy) or a table. Validated with VectorChord's rules.
StatusOr<partition::PartitionTree> ReadPartitionTree(const std::string& where, const std::string& table,
                                                     const ExecContext& ctx);

struct PartitionEvalOptions {
  std::string tree;        // directory or postgresql:// URL
  std::string tree_table;  // with a URL
  std::string base_file;   // or base_source
  std::optional<PgColumnRef> base_source;
  std::string queries_file;
  Metric metric = Metric::kL2;
  size_t k = 10;
  std::vector<std::vector<size_t>> probes;
};

StatusOr<partition::PartitionEvalResult> RunPartitionEval(const PartitionEvalOptions& options, const ExecContext& ctx);

}  // namespace kiln::job
