// Runs a (long) CREATE INDEX and reports pg_stat_progress_create_index from
// a second connection while it runs.
#pragma once

#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/storage/postgres/pg_connection.h"

namespace kiln::storage::pg {

// FailedPrecondition (naming the database and the fix) unless the vchord
// extension is installed.
Status CheckVchordInstalled(PgConnection& conn);

// FailedPrecondition when the vchord extension is not installed in the
// database (naming it and the fix). Progress phase "create index: <phase>"
// with tuples (or blocks) done/total as PostgreSQL reports them.
Status CreateVchordIndex(const std::string& url, const std::string& sql, const ExecContext& ctx);

}  // namespace kiln::storage::pg
