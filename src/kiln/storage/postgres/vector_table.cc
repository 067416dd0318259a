#include "kiln/storage/postgres/vector_table.h"

#include <cstring>

#include "kiln/base/aligned_buffer.h"

namespace kiln::storage::pg {
namespace {

constexpr int kFetchRows = 8192;

int32_t ReadInt4(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<int32_t>((uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]});
}

// Rolls back an open transaction unless committed.
class Transaction {
 public:
  explicit Transaction(PgConnection& conn) : conn_(conn) {}
  ~Transaction() {
    if (open_) conn_.Exec("ROLLBACK").IgnoreError();
  }
  Status Begin() {
    KILN_RETURN_IF_ERROR(conn_.Exec("BEGIN"));
    open_ = true;
    return OkStatus();
  }
  Status Commit() {
    open_ = false;
    return conn_.Exec("COMMIT");
  }

 private:
  PgConnection& conn_;
  bool open_ = false;
};

}  // namespace

bool TableExists(PgConnection& conn, const std::string& table) {
  auto r = conn.Query("SELECT to_regclass($1) IS NOT NULL", {table});
  return r.ok() && r->rows() == 1 && r->text(0, 0) == "t";
}

StatusOr<ColumnInfo> DescribeVectorColumn(PgConnection& conn, const std::string& table, const std::string& column) {
  if (!TableExists(conn, table))
    return NotFoundError("table {} does not exist in the database at {}", table, conn.display_url());
  KILN_ASSIGN_OR_RETURN(PgResult r, conn.Query("SELECT format_type(a.atttypid, a.atttypmod), t.typname, a.atttypmod "
                                               "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                                               "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 "
                                               "AND a.attnum > 0 AND NOT a.attisdropped",
                                               {table, column}));
  if (r.rows() == 0) return NotFoundError("table {} has no column \"{}\"", table, column);
  ColumnInfo info;
  info.type = r.text(0, 0);
  const std::string typname = r.text(0, 1);
  const int typmod = std::stoi(r.text(0, 2));
  if (typname == "vector" || typname == "halfvec") {
    if (typmod > 0) info.dim = static_cast<size_t>(typmod);
  } else if (typname != "_float4" && typname != "_float8") {
    return InvalidArgumentError(
        "table {} column \"{}\" has type {}; expected vector(d), halfvec(d), real[] or double precision[]", table,
        column, info.type);
  }
  return info;
}

StatusOr<SampleResult> SampleVectors(PgConnection& conn, const std::string& table, const std::string& column,
                                     size_t n, uint64_t seed, const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(ColumnInfo info, DescribeVectorColumn(conn, table, column));
  SampleResult out;
  KILN_ASSIGN_OR_RETURN(PgResult est, conn.Query("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)", {table}));
  int64_t rows = est.rows() > 0 ? std::stoll(est.text(0, 0)) : -1;
  if (rows < 0 || static_cast<size_t>(rows) <= 2 * n) {  // never analysed, or small: count exactly
    KILN_ASSIGN_OR_RETURN(PgResult cnt, conn.Query(fmt::format("SELECT count(*) FROM {}", table)));
    rows = std::stoll(cnt.text(0, 0));
  }
  out.table_rows = static_cast<size_t>(rows);
  std::string from = table;
  std::string limit;
  if (static_cast<size_t>(rows) <= n) {
    out.method = "all rows";
  } else if (conn.HasExtension("tsm_system_rows")) {
    out.method = fmt::format("TABLESAMPLE SYSTEM_ROWS({})", n);
    from += " " + out.method;
  } else {
    // Expected sample size n; LIMIT only trims the ~√n overshoot, so the
    // table's tail is not under-represented.
    const double pct = std::min(100.0, 100.0 * static_cast<double>(n) / static_cast<double>(rows));
    out.method = fmt::format("TABLESAMPLE BERNOULLI({:.6f})", pct);
    from += fmt::format(" {} REPEATABLE ({})", out.method, seed % 2147483647);
    limit = fmt::format(" LIMIT {}", n);
  }
  Transaction txn(conn);
  KILN_RETURN_IF_ERROR(txn.Begin());
  KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("DECLARE kiln_sample BINARY NO SCROLL CURSOR FOR SELECT {}::real[] FROM {} "
                                             "WHERE {} IS NOT NULL{}",
                                             QuoteIdentifier(column), from, QuoteIdentifier(column), limit)));
  const size_t want = std::min(n, out.table_rows);
  size_t d = info.dim.value_or(0), got = 0;
  AlignedBuffer<float> values;
  std::vector<float> row;
  while (true) {
    KILN_RETURN_IF_ERROR(ctx.CheckCancelled("sampling from PostgreSQL"));
    KILN_ASSIGN_OR_RETURN(PgResult batch, conn.Query(fmt::format("FETCH FORWARD {} FROM kiln_sample", kFetchRows), {}, true));
    if (batch.rows() == 0) break;
    for (int i = 0; i < batch.rows() && got < n; ++i) {
      Status s = DecodeFloat4Array(batch.value(i, 0), static_cast<size_t>(batch.length(i, 0)), row);
      if (!s.ok()) return s.WithContext(fmt::format("table {} column \"{}\" sample row {}", table, column, got));
      if (d == 0) d = row.size();
      if (row.size() != d || d == 0)
        return InvalidArgumentError("table {} column \"{}\": sample row {} has dimension {}, expected {}", table,
                                    column, got, row.size(), d);
      if (values.size() < (got + 1) * d) {
        AlignedBuffer<float> grown(std::max<size_t>(want, (got + 1) * 2) * d);
        if (got > 0) std::memcpy(grown.data(), values.data(), got * d * sizeof(float));
        values = std::move(grown);
      }
      std::memcpy(values.data() + got * d, row.data(), d * sizeof(float));
      ++got;
    }
    ctx.Report("sample", got, want);
  }
  KILN_RETURN_IF_ERROR(txn.Commit());
  if (got == 0) return InvalidArgumentError("table {} column \"{}\" has no non-NULL vectors", table, column);
  out.vectors = Dataset::Owned(std::move(values), got, d);
  return out;
}

StatusOr<partition::TreeRows> ReadTreeTable(PgConnection& conn, const std::string& table, size_t d) {
  if (!TableExists(conn, table))
    return NotFoundError("table {} does not exist in the database at {}", table, conn.display_url());
  KILN_ASSIGN_OR_RETURN(PgResult r, conn.Query(fmt::format("SELECT id::integer, parent::integer, vector::real[] FROM {}", table),
                                               {}, true));
  partition::TreeRows rows;
  rows.d = d;
  std::vector<float> v;
  for (int i = 0; i < r.rows(); ++i) {
    rows.id.push_back(r.is_null(i, 0) ? std::nullopt : std::optional<int32_t>(ReadInt4(r.value(i, 0))));
    rows.parent.push_back(r.is_null(i, 1) ? std::nullopt : std::optional<int32_t>(ReadInt4(r.value(i, 1))));
    if (r.is_null(i, 2)) {
      rows.row_dim.push_back(-1);
      continue;
    }
    Status s = DecodeFloat4Array(r.value(i, 2), static_cast<size_t>(r.length(i, 2)), v);
    if (!s.ok()) return s.WithContext(fmt::format("table {} row {}", table, i));
    rows.row_dim.push_back(static_cast<int64_t>(v.size()));
    rows.vectors.insert(rows.vectors.end(), v.begin(), v.end());
  }
  return rows;
}

Status WriteTreeTable(PgConnection& conn, const std::string& table, const partition::TreeRows& rows,
                      const TreeWriteOptions& options, const ExecContext& ctx) {
  if (!options.replace && TableExists(conn, table))
    return AlreadyExistsError("table {} already exists in the database at {} (pass --replace to overwrite it)", table,
                              conn.display_url());
  const std::string tmp = table + "_kiln_tmp";
  const std::vector<size_t> offsets = rows.Offsets();
  Transaction txn(conn);
  KILN_RETURN_IF_ERROR(txn.Begin());
  KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("DROP TABLE IF EXISTS {}", tmp)));
  KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("CREATE TABLE {} (id integer NOT NULL, parent integer, vector {})", tmp,
                                             VectorColumnSql(options.type, rows.d))));
  KILN_RETURN_IF_ERROR(conn.CopyBegin(fmt::format("COPY {} (id, parent, vector) FROM STDIN WITH (FORMAT BINARY)", tmp)));
  Status copied = [&]() -> Status {
    CopyBinaryWriter w;
    for (size_t i = 0; i < rows.n(); ++i) {
      w.BeginRow(3);
      w.Int4(*rows.id[i]);
      if (rows.parent[i]) w.Int4(*rows.parent[i]);
      else w.Null();
      w.Vector(options.type, rows.vectors.data() + offsets[i], rows.d);
      if ((i + 1) % options.chunk_rows == 0 || i + 1 == rows.n()) {
        if (i + 1 == rows.n()) w.Finish();
        KILN_RETURN_IF_ERROR(conn.CopyPut(w.TakeBuffer()));
        ctx.Report("write table", i + 1, rows.n());
        KILN_RETURN_IF_ERROR(ctx.CheckCancelled("writing the partition table"));
      }
    }
    if (rows.n() == 0) {
      w.Finish();
      KILN_RETURN_IF_ERROR(conn.CopyPut(w.TakeBuffer()));
    }
    return OkStatus();
  }();
  if (!copied.ok()) {
    conn.CopyAbort("kiln: " + copied.message());
    return copied;
  }
  KILN_RETURN_IF_ERROR(conn.CopyEnd().WithContext(fmt::format("COPY into {}", tmp)));
  if (options.replace) KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("DROP TABLE IF EXISTS {}", table)));
  KILN_RETURN_IF_ERROR(conn.Exec(fmt::format("ALTER TABLE {} RENAME TO {}", tmp, SplitTableName(table).second)));
  return txn.Commit();
}

}  // namespace kiln::storage::pg
