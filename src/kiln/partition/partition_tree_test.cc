#include "kiln/partition/partition_tree.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "kiln/partition/validate.h"

namespace kiln::partition {
namespace {

TEST(BuildTreeTest, AttachesToNearestParentAndDropsChildlessNodes) {
  ThreadPool pool(1);
  // d = 1. Top: 0, 10, 100 (100 gets no child). Leaves: -1, 1, 9, 12.
  auto tree = BuildTree({{0, 10, 100}, {-1, 1, 9, 12}}, 1, false, pool);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  ASSERT_EQ(tree->levels.size(), 2u);
  EXPECT_EQ(tree->levels[0].k, 2u);
  EXPECT_EQ(tree->levels[0].centroids, (std::vector<float>{0, 10}));
  EXPECT_EQ(tree->levels[1].parent, (std::vector<uint32_t>{0, 0, 1, 1}));
  EXPECT_FLOAT_EQ(tree->root[0], 5.0f);  // mean of the kept top nodes
  TreeRows rows = ToRows(*tree);
  EXPECT_EQ(rows.n(), 7u);
  EXPECT_EQ(rows.parent[0], std::nullopt);
  EXPECT_EQ(rows.parent[3], std::optional<int32_t>(1));
  EXPECT_EQ(rows.parent[6], std::optional<int32_t>(2));
  EXPECT_TRUE(ValidateTreeRows(rows).ok());
}

TEST(BuildTreeTest, UnitNormCentroidsForCosAndDot) {
  ThreadPool pool(2);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 3);
  const size_t d = 8;
  std::vector<float> top(4 * d), leaves(32 * d);
  for (auto& v : top) v = normal(rng);
  for (auto& v : leaves) v = normal(rng);
  auto tree = BuildTree({top, leaves}, d, true, pool);
  ASSERT_TRUE(tree.ok());
  TreeRows rows = ToRows(*tree);
  for (size_t i = 0; i < rows.n(); ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += rows.vectors[i * d + j] * rows.vectors[i * d + j];
    EXPECT_NEAR(std::sqrt(s), 1.0, 1e-5) << "row " << i;
  }
}

TEST(BuildTreeTest, RejectsBadLevels) {
  ThreadPool pool(1);
  EXPECT_EQ(BuildTree({}, 2, false, pool).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildTree({{1, 2, 3}}, 2, false, pool).status().message(),
            "partition tree: level 1 has 3 floats, expected a non-empty multiple of d = 2");
  EXPECT_EQ(BuildTree({{1, 2, 3}, {1, 2}}, 1, false, pool).status().message(),
            "partition tree: level 2 has 2 nodes, fewer than the 3 of the level above");
}

TEST(FromRowsTest, RoundTripsAndOrdersLevelsById) {
  ThreadPool pool(1);
  auto tree = BuildTree({{0, 10}, {-1, 1, 9, 12}}, 1, false, pool);
  ASSERT_TRUE(tree.ok());
  auto back = FromRows(ToRows(*tree));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->levels[1].centroids, tree->levels[1].centroids);
  EXPECT_EQ(back->levels[1].parent, tree->levels[1].parent);
  EXPECT_EQ(back->root, tree->root);
  // Implicit root: all parents NULL, leaves sorted by id, root = mean.
  TreeRows flat;
  flat.d = 1;
  flat.id = {5, 2};
  flat.parent = {std::nullopt, std::nullopt};
  flat.vectors = {50, 20};
  auto one = FromRows(flat);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->levels[0].centroids, (std::vector<float>{20, 50}));
  EXPECT_FLOAT_EQ(one->root[0], 35.0f);
}

}  // namespace
}  // namespace kiln::partition
