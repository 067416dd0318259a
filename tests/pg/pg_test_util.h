// Helpers for tests against the throwaway PostgreSQL cluster (pg_cluster.sh).
#pragma once

#include <string>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/storage/postgres/pg_connection.h"

namespace kiln::pgtest {

// URL of the fixture cluster (KILN_PG_URL, else the first line of $KILN_PG_STATE).
std::string ClusterUrl();

// A connection; aborts the test binary when the cluster is unreachable.
storage::pg::PgConnection Connect();

// Runs SQL that must succeed.
void Sql(storage::pg::PgConnection& conn, const std::string& sql);
// First column of the first row as text.
std::string Scalar(storage::pg::PgConnection& conn, const std::string& sql);

// n clustered d-dim vectors (Gaussian blobs), deterministic.
std::vector<float> Blobs(size_t n, size_t d, size_t clusters, unsigned seed);

// Writes x (n×d) to a fresh .npy under /tmp and returns the path.
std::string TempNpy(const std::string& name, const std::vector<float>& x, size_t n, size_t d);

struct TestExec {
  TestExec() : pool(2) { ctx.pool = &pool; }
  ThreadPool pool;
  ExecContext ctx;
};

}  // namespace kiln::pgtest
