// PostgreSQL tables as build sources (kiln serve's /v1 API): every non-NULL
// vector of table.column, read with a binary cursor, becomes the build input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/storage/object_store/object_store.h"

namespace kiln::job {

// "postgresql://..." or "postgres://...".
bool IsPostgresUri(std::string_view uri);

// storage::pg::CheckClientUrl: the URL names only allowed hosts and no
// option that reads the server's files.
Status CheckPostgresClientUrl(const std::string& url, const std::vector<std::string>& allowed_hosts);

// Checks that table.column exists and holds vectors (vector, halfvec, real[]
// or double precision[]) and returns the table's size in bytes
// (pg_table_size; doubled for halfvec, whose 2-byte values kiln builds as
// float32), for admission. NotFound / InvalidArgument name the table
// and column; Unavailable names the URL without its password.
StatusOr<uint64_t> CheckPostgresSource(const std::string& url, const std::string& table, const std::string& column);

// Writes every non-NULL vector of table.column to `path` (.npy, float32, in
// the order the server returns them). The transfer stats count the float32
// bytes written.
StatusOr<storage::TransferStats> ExportPostgresColumn(const std::string& url, const std::string& table,
                                                      const std::string& column, const std::string& path,
                                                      const ExecContext& ctx);

}  // namespace kiln::job
