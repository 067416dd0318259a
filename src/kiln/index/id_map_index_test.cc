#include "kiln/index/id_map_index.h"

#include <gtest/gtest.h>

#include <random>

#include "kiln/index/flat_index.h"
#include "kiln/index/index_test_support.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::index {
namespace {

using testing::RandomVectors;
using testing::TestEnv;

std::vector<idx_t> RandomIds(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<idx_t> dist(0, std::numeric_limits<idx_t>::max());
  std::vector<idx_t> ids(n);
  for (idx_t& id : ids) id = dist(rng);
  return ids;
}

TEST(IdMapIndexTest, SearchReturnsExternalIds) {
  const size_t n = 500, d = 8, nq = 20, k = 5;
  std::vector<float> x = RandomVectors(n, d, 1);
  std::vector<float> q = RandomVectors(nq, d, 2);
  std::vector<idx_t> ids = RandomIds(n, 3);
  for (bool ivf : {false, true}) {
    TestEnv env;
    std::unique_ptr<Index> inner;
    if (ivf) {
      inner = std::make_unique<IvfFlatIndex>(d, Metric::kInnerProduct, 8);
    } else {
      inner = std::make_unique<FlatIndex>(d, Metric::kInnerProduct);
    }
    IdMapIndex index(std::move(inner));
    EXPECT_EQ(index.Describe(), ivf ? "IDMap,IVF8,Flat" : "IDMap,Flat");
    ASSERT_TRUE(index.Train(x.data(), n, env.ctx).ok());
    ASSERT_TRUE(index.AddWithIds(x.data(), ids.data(), 300, env.ctx).ok());
    ASSERT_TRUE(index.AddWithIds(x.data() + 300 * d, ids.data() + 300, n - 300, env.ctx).ok());
    EXPECT_EQ(index.ntotal(), n);
    EXPECT_EQ(index.id_map(), ids);

    std::vector<float> dist(nq * k), inner_dist(nq * k);
    std::vector<idx_t> lab(nq * k), inner_lab(nq * k);
    const SearchParams params{.nprobe = 3};
    ASSERT_TRUE(index.Search(q.data(), nq, k, params, dist.data(), lab.data(), env.ctx).ok());
    ASSERT_TRUE(index.inner()
                    .Search(q.data(), nq, k, params, inner_dist.data(), inner_lab.data(), env.ctx)
                    .ok());
    for (size_t i = 0; i < nq * k; ++i) {
      ASSERT_GE(inner_lab[i], 0);
      EXPECT_EQ(lab[i], ids[inner_lab[i]]);
      EXPECT_EQ(dist[i], inner_dist[i]);
    }
  }
}

TEST(IdMapIndexTest, MissingResultsStayMinusOne) {
  TestEnv env;
  IdMapIndex index(std::make_unique<FlatIndex>(2, Metric::kL2));
  const float x[4] = {0, 0, 1, 1};
  const idx_t ids[2] = {1000, 2000};
  ASSERT_TRUE(index.AddWithIds(x, ids, 2, env.ctx).ok());
  float dist[4];
  idx_t lab[4];
  ASSERT_TRUE(index.Search(x, 1, 4, {}, dist, lab, env.ctx).ok());
  EXPECT_EQ(lab[0], 1000);
  EXPECT_EQ(lab[1], 2000);
  EXPECT_EQ(lab[2], -1);
  EXPECT_EQ(lab[3], -1);
}

TEST(IdMapIndexTest, Errors) {
  TestEnv env;
  IdMapIndex index(std::make_unique<IvfFlatIndex>(2, Metric::kL2, 4));
  const float x[4] = {0, 0, 1, 1};
  const idx_t ids[2] = {7, -1};
  EXPECT_EQ(index.AddWithIds(x, ids, 2, env.ctx).code(),
            StatusCode::kFailedPrecondition);  // untrained
  IdMapIndex flat(std::make_unique<FlatIndex>(2, Metric::kL2));
  Status add = flat.Add(x, 2, env.ctx);
  EXPECT_EQ(add.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add.message(),
            "IDMap,Flat: add of 2 vectors without ids; an IDMap index needs AddWithIds");
  Status minus_one = flat.AddWithIds(x, ids, 2, env.ctx);
  EXPECT_EQ(minus_one.message(),
            "IDMap,Flat: add: id -1 (at position 1) is reserved for missing results");
  EXPECT_EQ(flat.ntotal(), 0u);
  EXPECT_FALSE(IdMapIndex::FromParts(std::make_unique<FlatIndex>(2, Metric::kL2), {1, 2}).ok());
}

}  // namespace
}  // namespace kiln::index
