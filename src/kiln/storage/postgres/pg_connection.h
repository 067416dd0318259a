// A libpq connection opened from a postgresql:// URL, with errors as
// Status values that carry the SQL state's message and the URL (password
// removed). Everything PostgreSQL-specific kiln does goes through here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <vector>

#include "kiln/base/status.h"

struct pg_conn;
struct pg_result;

namespace kiln::storage::pg {

// A query result (binary or text, as requested).
class PgResult {
 public:
  explicit PgResult(pg_result* res);
  int rows() const;
  bool is_null(int row, int col) const;
  const char* value(int row, int col) const;
  int length(int row, int col) const;
  std::string text(int row, int col) const { return is_null(row, col) ? std::string() : std::string(value(row, col)); }

 private:
  std::shared_ptr<pg_result> res_;
};

class PgConnection {
 public:
  // Unavailable when the server cannot be reached or refuses the login,
  // naming the URL without its password.
  static StatusOr<PgConnection> Connect(const std::string& url);

  // Runs statements that return no rows.
  Status Exec(const std::string& sql);
  // Text parameters; binary_result asks for binary column values.
  StatusOr<PgResult> Query(const std::string& sql, const std::vector<std::string>& params = {},
                           bool binary_result = false);
  // COPY ... FROM STDIN: Begin, Put the stream in pieces, End.
  Status CopyBegin(const std::string& sql);
  Status CopyPut(std::string_view bytes);
  Status CopyEnd();
  // Ends a COPY with an error so the server discards it (the transaction aborts).
  void CopyAbort(const std::string& reason);

  bool HasExtension(std::string_view name);
  int backend_pid() const;
  // URL with any password replaced by "***".
  const std::string& display_url() const { return display_url_; }
  pg_conn* raw() const { return conn_.get(); }

 private:
  PgConnection(std::shared_ptr<pg_conn> conn, std::string display_url)
      : conn_(std::move(conn)), display_url_(std::move(display_url)) {}
  Status Error(std::string_view what) const;
  std::shared_ptr<pg_conn> conn_;
  std::string display_url_;
};

// Checks a postgresql:// URL that a client (not the operator) supplied: it
// must parse, name at least one host, every host must be in allowed_hosts
// ("host" or "host:port"), and it may not set options that read the server's
// files or reroute the connection (hostaddr, passfile, service, ssl* files,
// requirepeer). PermissionDenied / InvalidArgument naming the option or host;
// the message never carries the password.
Status CheckClientUrl(const std::string& url, const std::vector<std::string>& allowed_hosts);

// A column or table name as a quoted SQL identifier ("Embedding" stays
// mixed-case, "order" is not a keyword, embedded quotes are doubled).
std::string QuoteIdentifier(std::string_view name);

// "public.items" -> {"public", "items"}; a bare name gets schema "public".
std::pair<std::string, std::string> SplitTableName(std::string_view table);

}  // namespace kiln::storage::pg
