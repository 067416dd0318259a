#include "kiln/storage/postgres/create_index.h"

#include <libpq-fe.h>

#include <chrono>
#include <thread>

namespace kiln::storage::pg {

Status CheckVchordInstalled(PgConnection& conn) {
  if (!conn.HasExtension("vchord"))
    return FailedPreconditionError(
        "--create-index: the vchord extension is not installed in the database at {} "
        "(run CREATE EXTENSION vchord CASCADE there, or leave out --create-index and run the printed "
        "CREATE INDEX later)",
        conn.display_url());
  return OkStatus();
}

Status CreateVchordIndex(const std::string& url, const std::string& sql, const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(url));
  KILN_RETURN_IF_ERROR(CheckVchordInstalled(conn));
  KILN_ASSIGN_OR_RETURN(PgConnection monitor, PgConnection::Connect(url));
  if (PQsendQuery(conn.raw(), sql.c_str()) != 1)
    return FailedPreconditionError("CREATE INDEX could not be sent: {}", PQerrorMessage(conn.raw()));
  const std::string pid = std::to_string(conn.backend_pid());
  while (true) {
    if (PQconsumeInput(conn.raw()) != 1) break;
    if (!PQisBusy(conn.raw())) break;
    if (ctx.cancelled()) {
      char err[256];
      PGcancel* cancel = PQgetCancel(conn.raw());
      if (cancel) {
        PQcancel(cancel, err, sizeof err);
        PQfreeCancel(cancel);
      }
    }
    auto p = monitor.Query("SELECT phase, tuples_done, tuples_total, blocks_done, blocks_total "
                           "FROM pg_stat_progress_create_index WHERE pid = $1",
                           {pid});
    if (p.ok() && p->rows() > 0) {
      const bool tuples = p->text(0, 2) != "0";
      ctx.Report("create index: " + p->text(0, 0), std::stoull(p->text(0, tuples ? 1 : 3)),
                 std::stoull(p->text(0, tuples ? 2 : 4)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  Status status = OkStatus();
  while (PGresult* res = PQgetResult(conn.raw())) {
    if (status.ok() && PQresultStatus(res) != PGRES_COMMAND_OK)
      status = FailedPreconditionError("CREATE INDEX failed: {}", PQresultErrorMessage(res));
    PQclear(res);
  }
  return status;
}

}  // namespace kiln::storage::pg
