// `kiln load`: bulk-loads embeddings into table (id bigint, embedding
// vector(d) | real[]) with binary COPY, one committed transaction per chunk.
// Resumable: when the table already holds rows, loading continues after the
// row whose id is max(id) (ids must grow along the file, as row numbers and
// sorted id files do), so a rerun after a failure never duplicates rows.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/types.h"
#include "kiln/dataset/dataset.h"
#include "kiln/storage/postgres/copy_binary.h"
#include "kiln/storage/postgres/pg_connection.h"

namespace kiln::storage::pg {

struct LoadOptions {
  std::string column = "embedding";
  size_t chunk_rows = 50000;  // rows per committed transaction
  // Column type for a new table; default: vector(d) when the vector
  // extension is installed, else real[].
  std::optional<VectorColumnType> type;
  // Stop after this many chunks (tests of resume); 0 = no limit.
  size_t max_chunks = 0;
};

struct LoadResult {
  size_t rows_loaded = 0;    // in this run
  size_t resumed_at = 0;     // first row of the file loaded in this run
  VectorColumnType type = VectorColumnType::kRealArray;
  bool created_table = false;
};

// ids: one per row of x (empty: the row numbers 0..n-1), strictly increasing.
// InvalidArgument when an existing table's id/embedding columns do not fit
// (wrong type, other dimension), when ids are not increasing, or when the
// table's max(id) is not one of the ids. Progress phase "load".
StatusOr<LoadResult> LoadEmbeddings(PgConnection& conn, const std::string& table, const Dataset& x,
                                    const std::vector<idx_t>& ids, const LoadOptions& options, const ExecContext& ctx);

}  // namespace kiln::storage::pg
