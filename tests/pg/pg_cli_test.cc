// The kiln CLI end to end against the throwaway cluster: kiln load, then
// kiln partition from the table into a table, then kiln partition eval.
#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "pg_test_util.h"

namespace kiln {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs the kiln binary with `args`; stdout and stderr together.
CliRun Kiln(const std::string& args) {
  const std::string cmd = std::string(KILN_BINARY) + " --quiet --threads 2 " + args + " 2>&1";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  while (size_t got = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), got);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(PgCliTest, LoadPartitionEvalThroughTheCli) {
  auto conn = pgtest::Connect();
  pgtest::Sql(conn, "DROP TABLE IF EXISTS public.items_cli, public.t_build_cli");
  const std::string url = pgtest::ClusterUrl();
  const std::string base = pgtest::TempNpy("cli_base", pgtest::Blobs(4000, 16, 20, 4), 4000, 16);
  const std::string queries = pgtest::TempNpy("cli_q", pgtest::Blobs(50, 16, 20, 4), 50, 16);
  CliRun load = Kiln("load --input " + base + " --output " + url + " --table public.items_cli --chunk-rows 1500");
  ASSERT_EQ(load.exit_code, 0) << load.out;
  EXPECT_NE(load.out.find("load: 4000 rows into public.items_cli (new table, column real[]); 4000 rows in"),
            std::string::npos)
      << load.out;
  CliRun part = Kiln("partition --source " + url + " --table public.items_cli --column embedding --lists 4,32 --metric cos "
                  "--output " + url + " --output-table public.t_build_cli");
  ASSERT_EQ(part.exit_code, 0) << part.out;
  EXPECT_NE(part.out.find("CREATE INDEX ON public.items_cli USING vchordrq (embedding vector_cosine_ops) WITH "
                          "(options = $$\nresidual_quantization = false\n[build.external]\ntable = "
                          "'public.t_build_cli'\n$$);\nSET vchordrq.probes = '1,10';"),
            std::string::npos)
      << part.out;
  CliRun eval = Kiln("partition eval --tree " + url + " --tree-table public.t_build_cli --base " + base + " -q " +
                  queries + " --metric cos --probes 4,32 --min-recall 0.999");
  EXPECT_EQ(eval.exit_code, 0) << eval.out;
  EXPECT_NE(eval.out.find("leaves 32"), std::string::npos) << eval.out;
  // Usage errors exit 2 and name the flag; runtime errors exit 1 and name the table.
  CliRun bad = Kiln("partition --input " + base + " --lists 4,x --output /tmp/unused");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("--lists: expected positive integers separated by commas, found \"4,x\""), std::string::npos)
      << bad.out;
  CliRun missing = Kiln("partition --source " + url + " --table public.nothing --column embedding --lists 4 --output " +
                     url + " --output-table public.t_never");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("table public.nothing does not exist"), std::string::npos) << missing.out;
  std::remove(base.c_str());
  std::remove(queries.c_str());
}

}  // namespace
}  // namespace kiln
