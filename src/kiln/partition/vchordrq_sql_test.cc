#include "kiln/partition/vchordrq_sql.h"

#include <gtest/gtest.h>

namespace kiln::partition {
namespace {

TEST(CreateIndexSqlTest, OpsAndResidualQuantizationPerMetric) {
  EXPECT_EQ(CreateIndexSql("public.items", "embedding", Metric::kL2, "public.t_build"),
            "CREATE INDEX ON public.items USING vchordrq (embedding vector_l2_ops) WITH (options = $$\n"
            "residual_quantization = true\n[build.external]\ntable = 'public.t_build'\n$$);");
  const std::string cos = CreateIndexSql("t", "e", Metric::kCosine, "tb");
  EXPECT_NE(cos.find("(e vector_cosine_ops)"), std::string::npos);
  EXPECT_NE(cos.find("residual_quantization = false"), std::string::npos);
  const std::string ip = CreateIndexSql("t", "e", Metric::kInnerProduct, "tb");
  EXPECT_NE(ip.find("(e vector_ip_ops)"), std::string::npos);
  EXPECT_NE(ip.find("residual_quantization = false"), std::string::npos);
}

TEST(SuggestProbesTest, OnePerLevel) {
  EXPECT_EQ(SuggestProbes({400, 160000}), (std::vector<size_t>{40, 140}));
  EXPECT_EQ(SuggestProbes({4096}), (std::vector<size_t>{23}));
  EXPECT_EQ(SuggestProbes({4}), (std::vector<size_t>{4}));
}

TEST(RecommendedListsTest, VectorChordTable) {
  EXPECT_EQ(RecommendedLists(60000), (std::vector<size_t>{120}));
  EXPECT_EQ(RecommendedLists(1000000), (std::vector<size_t>{2000}));
  EXPECT_EQ(RecommendedLists(10000000), (std::vector<size_t>{12649}));
  EXPECT_EQ(RecommendedLists(100000000), (std::vector<size_t>{400, 160000}));
}

}  // namespace
}  // namespace kiln::partition
