// Reading vectors and partition trees from PostgreSQL tables, and writing
// partition-tree tables: the libpq side of `kiln partition`.
//
// Reads fetch `column::real[]` through a binary cursor in batches, so memory
// holds the rows asked for (a sample), never the whole table. Writes go to
// `<name>_kiln_tmp` inside one transaction and are renamed to the target on
// success: a failure (bad data, lost connection, cancel) leaves nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/dataset/dataset.h"
#include "kiln/partition/partition_tree.h"
#include "kiln/storage/postgres/copy_binary.h"
#include "kiln/storage/postgres/pg_connection.h"

namespace kiln::storage::pg {

struct ColumnInfo {
  std::string type;           // as PostgreSQL prints it: "vector(128)", "real[]"
  std::optional<size_t> dim;  // from the typmod (vector(d), halfvec(d))
};

// NotFound when the table or column does not exist; InvalidArgument when the
// column is not vector, halfvec, real[] or double precision[] (naming both).
StatusOr<ColumnInfo> DescribeVectorColumn(PgConnection& conn, const std::string& table, const std::string& column);

bool TableExists(PgConnection& conn, const std::string& table);

struct SampleResult {
  Dataset vectors;
  size_t table_rows = 0;  // rows in the table (estimate when large)
  std::string method;     // "all rows", "TABLESAMPLE SYSTEM_ROWS(n)", "TABLESAMPLE BERNOULLI(p)"
};

// Up to `n` non-NULL vectors of table.column: every row when the table has
// no more than n, else TABLESAMPLE SYSTEM_ROWS(n) where tsm_system_rows is
// installed, else TABLESAMPLE BERNOULLI. InvalidArgument naming the row of
// the result when dimensions differ. Progress phase "sample".
StatusOr<SampleResult> SampleVectors(PgConnection& conn, const std::string& table, const std::string& column,
                                     size_t n, uint64_t seed, const ExecContext& ctx);

// Every row of a partition-tree table (columns id, parent, vector).
StatusOr<partition::TreeRows> ReadTreeTable(PgConnection& conn, const std::string& table, size_t d);

struct TreeWriteOptions {
  VectorColumnType type = VectorColumnType::kRealArray;
  bool replace = false;       // drop an existing table of that name (in the same transaction)
  size_t chunk_rows = 16384;  // rows per PQputCopyData call
};

// Writes `rows` as table (id integer NOT NULL, parent integer, vector <type>).
// AlreadyExists when the table exists and !replace. Progress phase "write table".
Status WriteTreeTable(PgConnection& conn, const std::string& table, const partition::TreeRows& rows,
                      const TreeWriteOptions& options, const ExecContext& ctx);

}  // namespace kiln::storage::pg
