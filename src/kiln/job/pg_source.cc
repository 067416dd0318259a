#include "kiln/job/pg_source.h"

#include <chrono>
#include <limits>

#include "kiln/base/stopwatch.h"
#include "kiln/dataset/vector_writer.h"
#include "kiln/partition/validate.h"
#include "kiln/storage/postgres/pg_connection.h"
#include "kiln/storage/postgres/vector_table.h"

namespace kiln::job {

bool IsPostgresUri(std::string_view uri) { return uri.starts_with("postgresql://") || uri.starts_with("postgres://"); }

Status CheckPostgresClientUrl(const std::string& url, const std::vector<std::string>& allowed_hosts) {
  return storage::pg::CheckClientUrl(url, allowed_hosts);
}

StatusOr<uint64_t> CheckPostgresSource(const std::string& url, const std::string& table, const std::string& column) {
  KILN_RETURN_IF_ERROR(partition::ValidateTableName(table).WithContext("table"));
  KILN_ASSIGN_OR_RETURN(storage::pg::PgConnection conn, storage::pg::PgConnection::Connect(url));
  KILN_ASSIGN_OR_RETURN(storage::pg::ColumnInfo info, storage::pg::DescribeVectorColumn(conn, table, column));
  KILN_ASSIGN_OR_RETURN(storage::pg::PgResult size, conn.Query("SELECT pg_table_size($1::regclass)", {table}));
  const uint64_t bytes = std::stoull(size.text(0, 0));
  // halfvec stores 2 bytes per value; kiln builds float32 (4).
  return info.type.starts_with("halfvec") ? 2 * bytes : bytes;
}

StatusOr<storage::TransferStats> ExportPostgresColumn(const std::string& url, const std::string& table,
                                                      const std::string& column, const std::string& path,
                                                      const ExecContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  KILN_RETURN_IF_ERROR(partition::ValidateTableName(table).WithContext("table"));
  KILN_ASSIGN_OR_RETURN(storage::pg::PgConnection conn, storage::pg::PgConnection::Connect(url));
  // A sample as large as any table: every row, by a binary cursor.
  constexpr size_t kEveryRow = std::numeric_limits<size_t>::max() / 4;
  KILN_ASSIGN_OR_RETURN(storage::pg::SampleResult rows,
                        storage::pg::SampleVectors(conn, table, column, kEveryRow, 0, ctx));
  KILN_RETURN_IF_ERROR(WriteNpy(path, rows.vectors.data(), rows.vectors.n(), rows.vectors.d()));
  storage::TransferStats stats;
  stats.bytes = rows.vectors.n() * rows.vectors.d() * sizeof(float);
  stats.seconds = SecondsSince(start);
  return stats;
}

}  // namespace kiln::job
