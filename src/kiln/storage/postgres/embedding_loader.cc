#include "kiln/storage/postgres/embedding_loader.h"

#include <algorithm>

#include "kiln/storage/postgres/vector_table.h"

namespace kiln::storage::pg {
namespace {

// Column type of an existing table, checked against the file's dimension.
StatusOr<VectorColumnType> CheckExistingTable(PgConnection& conn, const std::string& table, const std::string& column,
                                              size_t d) {
  KILN_ASSIGN_OR_RETURN(PgResult idcol, conn.Query("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                                   "WHERE attrelid = to_regclass($1) AND attname = 'id' "
                                                   "AND attnum > 0 AND NOT attisdropped",
                                                   {table}));
  if (idcol.rows() == 0) return InvalidArgumentError("table {} has no column \"id\"", table);
  const std::string id_type = idcol.text(0, 0);
  if (id_type != "bigint" && id_type != "integer")
    return InvalidArgumentError("table {} column \"id\" has type {}; expected bigint", table, id_type);
  KILN_ASSIGN_OR_RETURN(ColumnInfo info, DescribeVectorColumn(conn, table, column));
  if (info.type.rfind("vector", 0) == 0) {
    if (info.dim && *info.dim != d)
      return InvalidArgumentError("table {} column \"{}\" is {} but the input vectors have d = {}", table, column,
                                  info.type, d);
    return VectorColumnType::kVector;
  }
  if (info.type != "real[]")
    return InvalidArgumentError("table {} column \"{}\" has type {}; kiln load writes vector(d) or real[]", table,
                                column, info.type);
  KILN_ASSIGN_OR_RETURN(PgResult dims, conn.Query(fmt::format("SELECT id, array_length({}, 1) FROM {} "
                                                              "WHERE {} IS NOT NULL LIMIT 1",
                                                              column, table, column)));
  if (dims.rows() > 0 && dims.text(0, 1) != std::to_string(d))
    return InvalidArgumentError("table {} column \"{}\": row with id {} has dimension {} but the input vectors have d = {}",
                                table, column, dims.text(0, 0), dims.text(0, 1), d);
  return VectorColumnType::kRealArray;
}

}  // namespace

StatusOr<LoadResult> LoadEmbeddings(PgConnection& conn, const std::string& table, const Dataset& x,
                                    const std::vector<idx_t>& ids, const LoadOptions& options, const ExecContext& ctx) {
  const size_t n = x.n(), d = x.d();
  if (!ids.empty() && ids.size() != n)
    return InvalidArgumentError("load: {} ids for {} vectors", ids.size(), n);
  for (size_t i = 1; i < ids.size(); ++i)
    if (ids[i] <= ids[i - 1])
      return InvalidArgumentError("load: ids must increase along the file for resume; row {} has id {} after {}", i,
                                  ids[i], ids[i - 1]);
  if (options.chunk_rows == 0) return InvalidArgumentError("load: chunk rows must be at least 1");
  auto id_of = [&](size_t i) { return ids.empty() ? static_cast<idx_t>(i) : ids[i]; };
  LoadResult result;
  if (TableExists(conn, table)) {
    KILN_ASSIGN_OR_RETURN(result.type, CheckExistingTable(conn, table, options.column, d));
    KILN_ASSIGN_OR_RETURN(PgResult max_id, conn.Query(fmt::format("SELECT max(id) FROM {}", table)));
    if (!max_id.is_null(0, 0)) {
      const idx_t last = std::stoll(max_id.text(0, 0));
      size_t pos = 0;
      if (ids.empty()) {
        if (last < 0 || static_cast<size_t>(last) >= n)
          return InvalidArgumentError("load: table {} has max(id) = {}, not a row of the {}-row input", table, last, n);
        pos = static_cast<size_t>(last);
      } else {
        auto it = std::lower_bound(ids.begin(), ids.end(), last);
        if (it == ids.end() || *it != last)
          return InvalidArgumentError("load: table {} has max(id) = {}, which is not among the input's ids", table, last);
        pos = static_cast<size_t>(it - ids.begin());
      }
      result.resumed_at = pos + 1;
    }
  } else {
    result.type = options.type.value_or(conn.HasExtension("vector") ? VectorColumnType::kVector
                                                                     : VectorColumnType::kRealArray);
    KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("CREATE TABLE {} (id bigint NOT NULL, {} {})", table, options.column,
                                               VectorColumnSql(result.type, d))));
    result.created_table = true;
  }
  size_t chunks = 0;
  for (size_t begin = result.resumed_at; begin < n; begin += options.chunk_rows) {
    if (options.max_chunks != 0 && chunks == options.max_chunks) break;
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("load"));
    const size_t end = std::min(n, begin + options.chunk_rows);
    KILN_RETURN_IF_ERROR(conn.Exec("BEGIN"));
    Status s = conn.CopyBegin(fmt::format("COPY {} (id, {}) FROM STDIN WITH (FORMAT BINARY)", table, options.column));
    if (s.ok()) {
      CopyBinaryWriter w;
      for (size_t i = begin; i < end; ++i) {
        w.BeginRow(2);
        w.Int8(id_of(i));
        w.Vector(result.type, x.row(i), d);
        if (w.buffer().size() >= (1u << 20)) {
          s = conn.CopyPut(w.TakeBuffer());
          if (!s.ok()) break;
        }
      }
      if (s.ok()) {
        w.Finish();
        s = conn.CopyPut(w.TakeBuffer());
      }
      if (s.ok()) s = conn.CopyEnd();
      else conn.CopyAbort("kiln: " + s.message());
    }
    if (s.ok()) s = conn.Exec("COMMIT");
    if (!s.ok()) {
      conn.Exec("ROLLBACK").IgnoreError();
      return s.WithContext(fmt::format("load into {} rows [{}, {})", table, begin, end));
    }
    result.rows_loaded += end - begin;
    ++chunks;
    ctx.Report("load", end, n);
  }
  return result;
}

}  // namespace kiln::storage::pg
