#include "kiln/storage/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <regex>

namespace kiln::storage::pg {
namespace {

// Masks the password of "postgresql://user:PASSWORD@host" and of a
// "?password=PASSWORD" (or "&password=") parameter.
std::string HidePassword(const std::string& url) {
  static const std::regex kPassword(R"(^(postgres(?:ql)?://[^:@/]*):[^@/]*@)");
  static const std::regex kPasswordParam(R"(([?&]password=)[^&]*)");
  return std::regex_replace(std::regex_replace(url, kPassword, "$1:***@"), kPasswordParam, "$1***");
}

// Seconds libpq waits for a server that does not answer (libpq's own default
// is to wait forever); a connect_timeout in the URL overrides it.
constexpr const char* kDefaultConnectTimeout = "10";

std::string Trimmed(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

PgResult::PgResult(pg_result* res) : res_(res, PQclear) {}
int PgResult::rows() const { return PQntuples(res_.get()); }
bool PgResult::is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
const char* PgResult::value(int row, int col) const { return PQgetvalue(res_.get(), row, col); }
int PgResult::length(int row, int col) const { return PQgetlength(res_.get(), row, col); }

StatusOr<PgConnection> PgConnection::Connect(const std::string& url) {
  // Later keywords override earlier ones, and "dbname" expands the URL.
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {kDefaultConnectTimeout, url.c_str(), nullptr};
  std::shared_ptr<pg_conn> conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1), PQfinish);
  const std::string shown = HidePassword(url);
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    return UnavailableError("cannot connect to PostgreSQL at {}: {}", shown,
                            Trimmed(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  PgConnection c(std::move(conn), shown);
  KILN_RETURN_IF_ERROR(c.Exec("SET client_min_messages = warning"));
  return c;
}

Status CheckClientUrl(const std::string& url, const std::vector<std::string>& allowed_hosts) {
  const std::string shown = HidePassword(url);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return InvalidArgumentError("{}: not a PostgreSQL connection URL: {}", shown, why);
  }
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(options, PQconninfoFree);
  static const char* const kRefused[] = {"hostaddr", "passfile", "service", "sslcert", "sslkey", "sslrootcert",
                                         "sslcrl", "sslcrldir", "sslpassword", "requirepeer"};
  std::string hosts, port;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string_view key = o->keyword;
    for (const char* refused : kRefused)
      if (key == refused) return PermissionDeniedError("{}: the option \"{}\" is not accepted from clients", shown, key);
    if (key == "host") hosts = o->val;
    if (key == "port") port = o->val;
  }
  if (hosts.empty()) return InvalidArgumentError("{}: name the server's host", shown);
  size_t start = 0;
  while (start <= hosts.size()) {
    const size_t comma = std::min(hosts.find(',', start), hosts.size());
    const std::string host = hosts.substr(start, comma - start);
    const std::string with_port = port.empty() ? host : host + ":" + port;
    bool allowed = false;
    for (const std::string& a : allowed_hosts) allowed = allowed || a == host || a == with_port;
    if (!allowed)
      return PermissionDeniedError("{}: host \"{}\" is not in allowed_pg_hosts", shown, host);
    start = comma + 1;
  }
  return OkStatus();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Status PgConnection::Error(std::string_view what) const {
  std::string msg = Trimmed(PQerrorMessage(conn_.get()));
  // A terminated backend reports FATAL before libpq marks the connection bad.
  const bool lost = PQstatus(conn_.get()) != CONNECTION_OK || msg.find("FATAL:") != std::string::npos ||
                    msg.find("server closed the connection") != std::string::npos;
  if (lost)
    return UnavailableError("lost the connection to PostgreSQL at {} during {}: {}", display_url_, what, msg);
  return FailedPreconditionError("PostgreSQL at {}: {} failed: {}", display_url_, what, msg);
}

Status PgConnection::Exec(const std::string& sql) {
  std::unique_ptr<pg_result, decltype(&PQclear)> res(PQexec(conn_.get(), sql.c_str()), PQclear);
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(sql.substr(0, 80));
  return OkStatus();
}

StatusOr<PgResult> PgConnection::Query(const std::string& sql, const std::vector<std::string>& params,
                                       bool binary_result) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  pg_result* res = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                nullptr, nullptr, binary_result ? 1 : 0);
  PgResult wrapped(res);
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Error(sql.substr(0, 80));
  return wrapped;
}

Status PgConnection::CopyBegin(const std::string& sql) {
  std::unique_ptr<pg_result, decltype(&PQclear)> res(PQexec(conn_.get(), sql.c_str()), PQclear);
  if (PQresultStatus(res.get()) != PGRES_COPY_IN) return Error(sql.substr(0, 80));
  return OkStatus();
}

Status PgConnection::CopyPut(std::string_view bytes) {
  if (PQputCopyData(conn_.get(), bytes.data(), static_cast<int>(bytes.size())) != 1) return Error("COPY data");
  return OkStatus();
}

Status PgConnection::CopyEnd() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return Error("COPY end");
  Status status = OkStatus();
  while (pg_result* res = PQgetResult(conn_.get())) {
    if (status.ok() && PQresultStatus(res) != PGRES_COMMAND_OK) status = Error("COPY");
    PQclear(res);
  }
  return status;
}

void PgConnection::CopyAbort(const std::string& reason) {
  if (PQputCopyEnd(conn_.get(), reason.c_str()) != 1) return;
  while (pg_result* res = PQgetResult(conn_.get())) PQclear(res);
}

bool PgConnection::HasExtension(std::string_view name) {
  auto r = Query("SELECT 1 FROM pg_extension WHERE extname = $1", {std::string(name)});
  return r.ok() && r->rows() > 0;
}

int PgConnection::backend_pid() const { return PQbackendPID(conn_.get()); }

std::pair<std::string, std::string> SplitTableName(std::string_view table) {
  const size_t dot = table.find('.');
  if (dot == std::string_view::npos) return {"public", std::string(table)};
  return {std::string(table.substr(0, dot)), std::string(table.substr(dot + 1))};
}

}  // namespace kiln::storage::pg
