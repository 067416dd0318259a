#include "kiln/partition/partition_eval.h"

#include <gtest/gtest.h>

namespace kiln::partition {
namespace {

// d = 1 tree: top {0, 100}; leaves {-10, 10} under 0 and {90, 110} under 100.
PartitionTree LineTree() {
  ThreadPool pool(1);
  return *BuildTree({{0, 100}, {-10, 10, 90, 110}}, 1, false, pool);
}

TEST(PartitionEvalTest, GreedyDescentAndLeafSizes) {
  ThreadPool pool(1);
  ExecContext ctx{&pool, nullptr, nullptr};
  PartitionTree tree = LineTree();
  // 49 is nearest to leaf 90 overall, but greedy descent goes to top 0 first.
  std::vector<float> x = {-12, 8, 49, 95, 111, 112};
  std::vector<uint32_t> leaf = AssignLeaves(tree, x.data(), x.size(), Metric::kL2, ctx);
  EXPECT_EQ(leaf, (std::vector<uint32_t>{0, 1, 1, 2, 3, 3}));
  LeafSizeStats s = ComputeLeafSizeStats(leaf, 4);
  EXPECT_EQ(s.min, 1u);
  EXPECT_EQ(s.max, 2u);
  EXPECT_EQ(s.empty, 0u);
}

TEST(PartitionEvalTest, RecallAndScannedPerProbeSetting) {
  ThreadPool pool(2);
  ExecContext ctx{&pool, nullptr, nullptr};
  PartitionTree tree = LineTree();
  std::vector<float> base = {-11, -9, 9, 11, 89, 91, 109, 111};
  std::vector<float> queries = {0.5f};  // true 2-NN: 9 (leaf 10), -9 (leaf -10)
  auto r = EvaluatePartition(tree, base.data(), base.size(), queries.data(), 1, 1, Metric::kL2, 2,
                             {{1, 1}, {1, 2}, {2, 4}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 3u);
  EXPECT_DOUBLE_EQ(r->results[0].recall, 0.5);  // only leaf 10 probed
  EXPECT_DOUBLE_EQ(r->results[0].mean_scanned, 2);
  EXPECT_DOUBLE_EQ(r->results[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(r->results[1].mean_scanned, 4);
  EXPECT_DOUBLE_EQ(r->results[2].mean_scanned, 8);
  EXPECT_EQ(r->leaf_sizes.median, 2u);
}

TEST(PartitionEvalTest, RejectsBadProbes) {
  ThreadPool pool(1);
  ExecContext ctx{&pool, nullptr, nullptr};
  PartitionTree tree = LineTree();
  std::vector<float> base = {1, 2, 3};
  auto r = EvaluatePartition(tree, base.data(), 3, base.data(), 1, 1, Metric::kL2, 1, {{4}}, ctx);
  EXPECT_EQ(r.status().message(), "partition eval: probes 4 have 1 values, the tree has 2 levels below the root");
  r = EvaluatePartition(tree, base.data(), 3, base.data(), 1, 1, Metric::kL2, 1, {{0, 1}}, ctx);
  EXPECT_EQ(r.status().message(), "partition eval: probes 0,1 contain 0");
}

}  // namespace
}  // namespace kiln::partition
