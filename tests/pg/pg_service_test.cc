// kiln serve's /v1 API with a PostgreSQL table as the source: every non-NULL
// vector of table.column is read with a binary cursor and built; bad tables
// and columns are 422s naming them, before any job is queued.
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "kiln/job/load_index.h"
#include "kiln/job/pg_source.h"
#include "kiln/service/service.h"
#include "pg_test_util.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(PgServiceTest, V1BuildsFromATableAndRejectsBadSources) {
  auto conn = pgtest::Connect();
  const size_t n = 2000, d = 16;
  const std::vector<float> x = pgtest::Blobs(n, d, 20, 5);
  pgtest::Sql(conn, "DROP TABLE IF EXISTS svc_items");
  pgtest::Sql(conn, "CREATE TABLE svc_items (id bigint, embedding real[], note text)");
  std::string values;
  for (size_t i = 0; i < n; ++i) {
    std::string v;
    for (size_t t = 0; t < d; ++t) v += fmt::format("{}{}", t ? "," : "", x[i * d + t]);
    values += fmt::format("{}({}, '{{{}}}', 'x')", i ? "," : "", i, v);
  }
  pgtest::Sql(conn, "INSERT INTO svc_items VALUES " + values);
  pgtest::Sql(conn, "INSERT INTO svc_items VALUES (99999, NULL, 'no vector')");

  const fs::path dir = fs::temp_directory_path() / fmt::format("kiln-pgsvc-{}", ::getpid());
  fs::remove_all(dir);
  service::ServeConfig config;
  config.data_dir = dir.string();
  config.build_threads = 2;
  config.memory_budget = 1ull << 30;
  config.allowed_pg_hosts = {"127.0.0.1"};
  auto started = service::KilnService::Start(config);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  service::KilnService& s = **started;

  const std::string url = pgtest::ClusterUrl();
  json req = {{"source", url}, {"table", "public.svc_items"}, {"column", "embedding"},
              {"output", "file://bkt/out/pg"}, {"factory", "IVF16,Flat"}, {"recall_queries", 50}};
  service::HttpReply submitted = s.SubmitV1(req.dump(), "");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string id = json::parse(submitted.body)["job_id"];
  json job;
  for (int i = 0; i < 1000; ++i) {
    job = json::parse(s.GetV1(id, "").body);
    if (job["status"] != "InProgress") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(job["status"], "Built") << job;
  json result = json::parse(s.ResultV1(id, "").body);
  EXPECT_EQ(result["report"]["n"], n);  // the NULL row is skipped
  EXPECT_GE(result["report"]["recall"]["recall_at_k"].get<double>(), 0.99);
  auto index = job::LoadIndex((dir / "store" / "bkt" / "out" / "pg").string());
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(index->index->ntotal(), n);
  EXPECT_EQ(index->index->d(), d);

  auto reason = [&](json body) {
    service::HttpReply r = s.SubmitV1(body.dump(), "");
    EXPECT_EQ(r.status, 422) << r.body;
    return r.body;
  };
  json missing_table = req;
  missing_table["table"] = "public.svc_nothing";
  EXPECT_NE(reason(missing_table).find("svc_nothing"), std::string::npos);
  json text_column = req;
  text_column["column"] = "note";
  EXPECT_NE(reason(text_column).find("note"), std::string::npos);
  json no_column = req;
  no_column.erase("column");
  EXPECT_NE(reason(no_column).find("a postgresql:// source needs \\\"column\\\""), std::string::npos);
  // Clients may not point the service at other servers or at its own files.
  json other_host = req;
  other_host["source"] = "postgresql://postgres@10.0.0.9:5432/postgres";
  service::HttpReply refused = s.SubmitV1(other_host.dump(), "");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("host \\\"10.0.0.9\\\" is not in allowed_pg_hosts"), std::string::npos) << refused.body;
  json passfile = req;
  passfile["source"] = url + "?passfile=/root/.pgpass";
  service::HttpReply no_files = s.SubmitV1(passfile.dump(), "");
  EXPECT_EQ(no_files.status, 403) << no_files.body;
  // Nothing listens on port 1: the error names the URL, with the password masked.
  json secret = req;
  secret["source"] = "postgresql://postgres@127.0.0.1:1/postgres?password=hunter2&connect_timeout=2";
  service::HttpReply down = s.SubmitV1(secret.dump(), "");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.body.find("hunter2"), std::string::npos) << down.body;
  EXPECT_NE(down.body.find("password=***"), std::string::npos) << down.body;
  json table_without_pg = req;
  table_without_pg["source"] = "file://bkt/base.npy";
  EXPECT_NE(reason(table_without_pg).find("go with a postgresql:// source only"), std::string::npos);
  started->reset();
  fs::remove_all(dir);
  pgtest::Sql(conn, "DROP TABLE svc_items");
}

// /v1 sizes a table job as 3 x the source's float32 bytes: halfvec stores 2
// bytes per value but kiln builds float32, so its pg_table_size counts twice.
// (Debian 12's pgvector predates halfvec: a domain of that name stands in;
// kiln recognises the column by its type name.)
TEST(PgServiceTest, HalfvecSourcesAreSizedAsFloat32) {
  auto conn = pgtest::Connect();
  pgtest::Sql(conn, "DROP TABLE IF EXISTS svc_half; DROP TABLE IF EXISTS svc_real");
  pgtest::Sql(conn, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'halfvec') THEN "
                    "CREATE DOMAIN halfvec AS real[]; END IF; END $$");
  pgtest::Sql(conn, "CREATE TABLE svc_half (embedding halfvec); CREATE TABLE svc_real (embedding real[])");
  pgtest::Sql(conn, "INSERT INTO svc_half SELECT ARRAY[i, i, i, i]::real[] FROM generate_series(1, 2000) i");
  pgtest::Sql(conn, "INSERT INTO svc_real SELECT ARRAY[i, i, i, i]::real[] FROM generate_series(1, 2000) i");
  auto table_size = [&](const char* table) {
    return std::stoull(pgtest::Scalar(conn, fmt::format("SELECT pg_table_size('{}')", table)));
  };
  const std::string url = pgtest::ClusterUrl();
  auto half = job::CheckPostgresSource(url, "public.svc_half", "embedding");
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(*half, 2 * table_size("svc_half"));
  auto real = job::CheckPostgresSource(url, "public.svc_real", "embedding");
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_EQ(*real, table_size("svc_real"));
  pgtest::Sql(conn, "DROP TABLE svc_half; DROP TABLE svc_real");
}

}  // namespace
}  // namespace kiln
