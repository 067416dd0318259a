// kiln load against a real PostgreSQL 15: binary COPY into real[], resume
// after a partial load, and errors for tables that do not fit.
#include <cstdio>

#include <gtest/gtest.h>

#include "kiln/dataset/vector_reader.h"
#include "kiln/job/load_job.h"
#include "kiln/storage/postgres/embedding_loader.h"
#include "pg_test_util.h"

namespace kiln {
namespace {

using pgtest::Scalar;
using pgtest::Sql;

TEST(PgLoadTest, ResumesAfterLastCommittedIdWithoutDuplicates) {
  auto conn = pgtest::Connect();
  Sql(conn, "DROP TABLE IF EXISTS public.items_load");
  const size_t n = 5000, d = 16;
  const std::vector<float> x = pgtest::Blobs(n, d, 8, 9);
  auto data = Dataset::FromVector(x, n, d);
  ASSERT_TRUE(data.ok());
  pgtest::TestExec ex;
  storage::pg::LoadOptions opt;
  opt.chunk_rows = 1000;
  opt.max_chunks = 2;  // a run that stops after two committed chunks
  auto first = storage::pg::LoadEmbeddings(conn, "public.items_load", *data, {}, opt, ex.ctx);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created_table);
  EXPECT_EQ(first->rows_loaded, 2000u);
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM public.items_load"), "2000");
  opt.max_chunks = 0;
  auto second = storage::pg::LoadEmbeddings(conn, "public.items_load", *data, {}, opt, ex.ctx);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->created_table);
  EXPECT_EQ(second->resumed_at, 2000u);
  EXPECT_EQ(second->rows_loaded, 3000u);
  EXPECT_EQ(Scalar(conn, "SELECT count(DISTINCT id) || ' ' || count(*) || ' ' || min(id) || ' ' || max(id) "
                         "FROM public.items_load"),
            "5000 5000 0 4999");
  // The values arrived intact: compare row 4321 element-wise.
  auto row = conn.Query("SELECT embedding::text FROM public.items_load WHERE id = 4321");
  ASSERT_TRUE(row.ok());
  std::string expected = "{";
  for (size_t j = 0; j < d; ++j) expected += fmt::format("{}{}", j ? "," : "", x[4321 * d + j]);
  expected += "}";
  EXPECT_EQ(row->text(0, 0), expected);
  EXPECT_EQ(Scalar(conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                         "'public.items_load'::regclass AND attname = 'embedding'"),
            "real[]");
  // Nothing left to do: a third run loads nothing.
  auto third = storage::pg::LoadEmbeddings(conn, "public.items_load", *data, {}, opt, ex.ctx);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->rows_loaded, 0u);
}

TEST(PgLoadTest, ResumeWithIdFile) {
  auto conn = pgtest::Connect();
  Sql(conn, "DROP TABLE IF EXISTS public.items_ids");
  const size_t n = 300, d = 4;
  auto data = Dataset::FromVector(pgtest::Blobs(n, d, 3, 1), n, d);
  std::vector<idx_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = 1000 + 10 * static_cast<idx_t>(i);
  pgtest::TestExec ex;
  storage::pg::LoadOptions opt;
  opt.chunk_rows = 100;
  opt.max_chunks = 1;
  ASSERT_TRUE(storage::pg::LoadEmbeddings(conn, "public.items_ids", *data, ids, opt, ex.ctx).ok());
  opt.max_chunks = 0;
  auto r = storage::pg::LoadEmbeddings(conn, "public.items_ids", *data, ids, opt, ex.ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->resumed_at, 100u);
  EXPECT_EQ(Scalar(conn, "SELECT count(DISTINCT id) || ' ' || max(id) FROM public.items_ids"), "300 3990");
}

TEST(PgLoadTest, TablesThatDoNotFitAreRejected) {
  auto conn = pgtest::Connect();
  auto data = Dataset::FromVector(pgtest::Blobs(10, 8, 2, 1), 10, 8);
  pgtest::TestExec ex;
  Sql(conn, "DROP TABLE IF EXISTS public.items_bad");
  Sql(conn, "CREATE TABLE public.items_bad (id bigint, embedding text)");
  auto r = storage::pg::LoadEmbeddings(conn, "public.items_bad", *data, {}, {}, ex.ctx);
  EXPECT_EQ(r.status().message(),
            "table public.items_bad column \"embedding\" has type text; expected vector(d), halfvec(d), real[] or "
            "double precision[]");
  Sql(conn, "DROP TABLE public.items_bad");
  Sql(conn, "CREATE TABLE public.items_bad (id bigint, embedding real[])");
  Sql(conn, "INSERT INTO public.items_bad VALUES (0, '{1,2,3,4}')");
  r = storage::pg::LoadEmbeddings(conn, "public.items_bad", *data, {}, {}, ex.ctx);
  EXPECT_EQ(r.status().message(),
            "table public.items_bad column \"embedding\": row with id 0 has dimension 4 but the input vectors have d = 8");
  EXPECT_EQ(Scalar(conn, "SELECT count(*) FROM public.items_bad"), "1");
  std::vector<idx_t> unsorted = {0, 2, 1, 3, 4, 5, 6, 7, 8, 9};
  r = storage::pg::LoadEmbeddings(conn, "public.items_x", *data, unsorted, {}, ex.ctx);
  EXPECT_EQ(r.status().message(), "load: ids must increase along the file for resume; row 2 has id 1 after 2");
}

}  // namespace
}  // namespace kiln
