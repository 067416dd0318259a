// kiln partition against a real PostgreSQL 15: sampling from a table, the
// real[] tree table (temp table + rename), read back and validation, and
// clear errors that leave no half-written table.
#include <cmath>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "kiln/job/load_job.h"
#include "kiln/job/partition_job.h"
#include "kiln/partition/validate.h"
#include "kiln/storage/postgres/vector_table.h"
#include "pg_test_util.h"

namespace kiln {
namespace {

using pgtest::Scalar;
using pgtest::Sql;

// Loads n×d blobs into `table` (id bigint, embedding real[]) with kiln load.
void LoadItems(const std::string& table, size_t n, size_t d) {
  auto conn = pgtest::Connect();
  Sql(conn, "DROP TABLE IF EXISTS " + table);
  pgtest::TestExec ex;
  job::LoadJobOptions o;
  o.input = pgtest::TempNpy(table, pgtest::Blobs(n, d, 16, 3), n, d);
  o.url = pgtest::ClusterUrl();
  o.table = table;
  auto r = job::RunLoad(o, ex.ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::remove(o.input.c_str());
}

job::PartitionJobOptions FromTable(const std::string& src, const std::string& out) {
  job::PartitionJobOptions o;
  o.source = job::PgColumnRef{pgtest::ClusterUrl(), src, "embedding"};
  o.lists = {4, 32};
  o.sample_size = 2000;
  o.output = pgtest::ClusterUrl();
  o.output_table = out;
  o.replace = true;
  return o;
}

TEST(PgPartitionTest, FromTableWriteReadBackAndValidate) {
  LoadItems("public.items_a", 5000, 8);
  auto conn = pgtest::Connect();
  Sql(conn, "CREATE EXTENSION IF NOT EXISTS tsm_system_rows");
  pgtest::TestExec ex;
  auto r = job::RunPartition(FromTable("public.items_a", "public.t_build_a"), ex.ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->n_input, 5000u);
  EXPECT_EQ(r->sample_method, "TABLESAMPLE SYSTEM_ROWS(2000)");
  EXPECT_EQ(r->n_sample, 2000u);
  EXPECT_EQ(r->tree.levels.back().k, 32u);
  // The table VectorChord reads: int4 id/parent, real[] vector, one NULL parent.
  EXPECT_EQ(Scalar(conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                         "'public.t_build_a'::regclass AND attname = 'vector'"),
            "real[]");
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM public.t_build_a WHERE parent IS NULL"), "1");
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM public.t_build_a"), std::to_string(r->tree.num_nodes()));
  EXPECT_EQ(Scalar(conn, "SELECT to_regclass('public.t_build_a_kiln_tmp') IS NULL"), "t");
  auto rows = storage::pg::ReadTreeTable(conn, "public.t_build_a", 8);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_TRUE(partition::ValidateTreeRows(*rows).ok());
  auto tree = job::ReadPartitionTree(pgtest::ClusterUrl(), "public.t_build_a", ex.ctx);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(tree->levels[0].k, r->tree.levels[0].k);
  EXPECT_EQ(tree->levels[1].k, 32u);
  EXPECT_NE(r->create_index_sql.find("CREATE INDEX ON public.items_a USING vchordrq (embedding vector_l2_ops)"),
            std::string::npos);
  EXPECT_NE(r->create_index_sql.find("table = 'public.t_build_a'"), std::string::npos);

  // Partition eval from the table (tree and base vectors both read from PostgreSQL).
  job::PartitionEvalOptions e;
  e.tree = pgtest::ClusterUrl();
  e.tree_table = "public.t_build_a";
  e.base_source = job::PgColumnRef{pgtest::ClusterUrl(), "public.items_a", "embedding"};
  e.queries_file = pgtest::TempNpy("queries_a", pgtest::Blobs(100, 8, 16, 3), 100, 8);
  e.probes = {{4, 32}, {1, 2}};
  auto ev = job::RunPartitionEval(e, ex.ctx);
  std::remove(e.queries_file.c_str());
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_DOUBLE_EQ(ev->results[0].recall, 1.0);  // every leaf probed
  EXPECT_DOUBLE_EQ(ev->results[0].mean_scanned, 5000.0);
  EXPECT_LT(ev->results[1].mean_scanned, 5000.0);
}

TEST(PgPartitionTest, BernoulliWithoutTsmSystemRowsAndUnitNormForCos) {
  LoadItems("public.items_b", 3000, 8);
  auto conn = pgtest::Connect();
  Sql(conn, "DROP EXTENSION IF EXISTS tsm_system_rows");
  pgtest::TestExec ex;
  for (Metric metric : {Metric::kCosine, Metric::kInnerProduct}) {
    auto o = FromTable("public.items_b", "public.t_build_b");
    o.metric = metric;
    o.sample_size = 1000;
    auto r = job::RunPartition(o, ex.ctx);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->sample_method.rfind("TABLESAMPLE BERNOULLI(", 0), 0u) << r->sample_method;
    EXPECT_LE(r->n_sample, 1000u);
    EXPECT_GT(r->n_sample, 850u);
    // Every centroid in the table, the root included, has unit L2 norm.
    EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM public.t_build_b WHERE abs(sqrt((SELECT sum(v * v) FROM "
                           "unnest(vector) v)) - 1) > 1e-5"),
              "0");
    EXPECT_NE(r->create_index_sql.find(metric == Metric::kCosine ? "vector_cosine_ops" : "vector_ip_ops"),
              std::string::npos);
    EXPECT_NE(r->create_index_sql.find("residual_quantization = false"), std::string::npos);
  }
}

// Each rule with a broken table: kiln rejects it with VectorChord's message.
TEST(PgPartitionTest, BrokenTablesRejectedWithVectorChordMessages) {
  auto conn = pgtest::Connect();
  pgtest::TestExec ex;
  const std::string good = "(0, NULL, '{0,0}'), (1, 0, '{1,0}'), (2, 0, '{0,1}'), (3, 1, '{1,1}'), (4, 2, '{2,2}')";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"(NULL, NULL, '{0,0}'), (1, NULL, '{1,0}')", "external build: id could not be NULL"},
      {"(0, NULL, '{0,0}'), (1, 0, NULL)", "external build: vector could not be NULL"},
      {good + ", (4, 2, '{3,3}')", "external build: there are at least two lines have same id, id = 4"},
      {"(0, NULL, '{0,0}'), (1, 0, '{1,0,0}')", "external build: incorrect dimension, id = 1"},
      {good + ", (5, 9, '{3,3}')", "external build: parent does not exist, id = 5, parent = 9"},
      {good + ", (5, NULL, '{3,3}')", "external build: two root, id = 0, id = 5"},
      {"(0, 1, '{0,0}'), (1, 0, '{1,0}')", "external build: there are no root"},
      {good + ", (5, 6, '{3,3}'), (6, 5, '{3,3}')", "external build: detect a cycle, id = 5"},
      {good + ", (5, 0, '{3,3}')", "external build: two heights, id = 0"},
      {"(0, NULL, '{0,0}')", "external build: unexpected tree height, height = 1"},
  };
  for (const auto& [values, message] : cases) {
    Sql(conn, "DROP TABLE IF EXISTS public.t_broken");
    Sql(conn, "CREATE TABLE public.t_broken (id integer, parent integer, vector real[])");
    Sql(conn, "INSERT INTO public.t_broken VALUES " + values);
    auto tree = job::ReadPartitionTree(pgtest::ClusterUrl(), "public.t_broken", ex.ctx);
    ASSERT_FALSE(tree.ok()) << message;
    EXPECT_EQ(tree.status().message(), "table public.t_broken: " + message);
  }
  // Height 10: a chain root + 9 levels.
  Sql(conn, "DROP TABLE IF EXISTS public.t_broken");
  Sql(conn, "CREATE TABLE public.t_broken AS SELECT i AS id, CASE WHEN i = 0 THEN NULL ELSE i - 1 END AS parent, "
            "ARRAY[i::real] AS vector FROM generate_series(0, 9) i");
  auto tall = job::ReadPartitionTree(pgtest::ClusterUrl(), "public.t_broken", ex.ctx);
  EXPECT_EQ(tall.status().message(), "table public.t_broken: external build: unexpected tree height, height = 10");
  auto badname = job::ReadPartitionTree(pgtest::ClusterUrl(), "s; SELECT s", ex.ctx);
  EXPECT_NE(badname.status().message().find("error while validating options: table name is not well-formed"),
            std::string::npos);
}

TEST(PgPartitionTest, ClearErrorsLeaveNoTableBehind) {
  LoadItems("public.items_c", 2000, 8);
  auto conn = pgtest::Connect();
  pgtest::TestExec ex;
  Sql(conn, "DROP TABLE IF EXISTS public.t_err");
  auto expect_error = [&](job::PartitionJobOptions o, const std::string& message) {
    auto r = job::RunPartition(o, ex.ctx);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), message);
    EXPECT_EQ(Scalar(conn, "SELECT to_regclass('public.t_err') IS NULL AND to_regclass('public.t_err_kiln_tmp') IS NULL"),
              "t");
  };
  auto o = FromTable("public.nope", "public.t_err");
  expect_error(o, "table public.nope does not exist in the database at " + pgtest::ClusterUrl());
  o = FromTable("public.items_c", "public.t_err");
  o.source->column = "vec";
  expect_error(o, "table public.items_c has no column \"vec\"");
  Sql(conn, "DROP TABLE IF EXISTS public.items_text");
  Sql(conn, "CREATE TABLE public.items_text (id bigint, embedding text)");
  o = FromTable("public.items_text", "public.t_err");
  expect_error(o, "table public.items_text column \"embedding\" has type text; expected vector(d), halfvec(d), real[] "
                  "or double precision[]");
  Sql(conn, "DROP TABLE IF EXISTS public.items_mixed");
  Sql(conn, "CREATE TABLE public.items_mixed AS SELECT i::bigint AS id, CASE WHEN i = 7 THEN ARRAY[1,2,3]::real[] "
            "ELSE ARRAY[i, 1]::real[] END AS embedding FROM generate_series(0, 99) i ORDER BY i");
  o = FromTable("public.items_mixed", "public.t_err");
  o.lists = {4};
  expect_error(o, "table public.items_mixed column \"embedding\": sample row 7 has dimension 3, expected 2");
  o = FromTable("public.items_c", "public.t_err");
  o.lists = {64, 32};
  expect_error(o, "--lists 64,32: levels are top-first, each at least as large as the one above");
  o = FromTable("public.items_c", "public.t_err");
  o.output_table = "public.T-err";
  expect_error(o, "--output-table: error while validating options: table name is not well-formed (\"public.T-err\")");

  // Lost connection during COPY: the backend is terminated mid-write.
  struct Killer : ProgressSink {
    void Report(std::string_view phase, uint64_t, uint64_t) override {
      if (phase != "write table" || done) return;
      done = true;
      auto killer = pgtest::Connect();
      auto r = killer.Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY public.t_err%'");
      (void)r;
    }
    bool done = false;
  } killer;
  ExecContext ctx = ex.ctx;
  ctx.progress = &killer;
  auto r = job::RunPartition(FromTable("public.items_c", "public.t_err"), ctx);
  ASSERT_TRUE(killer.done);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("lost the connection to PostgreSQL"), std::string::npos) << r.status().message();
  EXPECT_EQ(Scalar(conn, "SELECT to_regclass('public.t_err') IS NULL AND to_regclass('public.t_err_kiln_tmp') IS NULL"),
            "t");
  // An existing output table is not overwritten without replace.
  Sql(conn, "CREATE TABLE public.t_err (x int)");
  o = FromTable("public.items_c", "public.t_err");
  o.replace = false;
  r = job::RunPartition(o, ex.ctx);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  Sql(conn, "DROP TABLE public.t_err");
}

TEST(PgPartitionTest, CreateIndexNeedsVchord) {
  LoadItems("public.items_d", 1000, 4);
  pgtest::TestExec ex;
  auto o = FromTable("public.items_d", "public.t_build_d");
  o.lists = {8};
  o.create_index = true;
  auto r = job::RunPartition(o, ex.ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "--create-index: the vchord extension is not installed in the database at " + pgtest::ClusterUrl() +
                " (run CREATE EXTENSION vchord CASCADE there, or leave out --create-index and run the printed "
                "CREATE INDEX later)");
  auto conn = pgtest::Connect();  // checked before any work: nothing written
  EXPECT_EQ(Scalar(conn, "SELECT to_regclass('public.t_build_d') IS NULL"), "t");
}

}  // namespace
}  // namespace kiln
