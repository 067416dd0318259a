#include "pg_test_util.h"

#include <cstdlib>
#include <fstream>
#include <random>

#include <unistd.h>

#include <gtest/gtest.h>

#include "kiln/dataset/vector_writer.h"

namespace kiln::pgtest {

std::string ClusterUrl() {
  if (const char* url = std::getenv("KILN_PG_URL")) return url;
  const char* state = std::getenv("KILN_PG_STATE");
  std::string line;
  if (state) {
    std::ifstream in(state);
    std::getline(in, line);
  }
  if (line.empty()) {
    fprintf(stderr, "no PostgreSQL cluster: run through ctest (fixture kiln_pg) or set KILN_PG_URL\n");
    std::abort();
  }
  return line;
}

storage::pg::PgConnection Connect() {
  auto c = storage::pg::PgConnection::Connect(ClusterUrl());
  if (!c.ok()) {
    fprintf(stderr, "%s\n", c.status().ToString().c_str());
    std::abort();
  }
  return std::move(*c);
}

void Sql(storage::pg::PgConnection& conn, const std::string& sql) {
  Status s = conn.Exec(sql);
  ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
}

std::string Scalar(storage::pg::PgConnection& conn, const std::string& sql) {
  auto r = conn.Query(sql);
  if (!r.ok() || r->rows() == 0) return "<error: " + r.status().ToString() + ">";
  return r->text(0, 0);
}

std::vector<float> Blobs(size_t n, size_t d, size_t clusters, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centres(clusters * d);
  for (auto& v : centres) v = normal(rng) * 5;
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[(i % clusters) * d + j] + normal(rng);
  return x;
}

std::string TempNpy(const std::string& name, const std::vector<float>& x, size_t n, size_t d) {
  const std::string path = "/tmp/kiln_pgtest_" + std::to_string(::getpid()) + "_" + name + ".npy";
  Status s = WriteNpy(path, x.data(), n, d);
  if (!s.ok()) std::abort();
  return path;
}

}  // namespace kiln::pgtest
