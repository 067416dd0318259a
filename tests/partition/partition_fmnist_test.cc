// Partition recall on Fashion-MNIST (60000 × 784 train, 1000 t10k queries):
// kiln partition (hierarchical k-means, lists 16,256) -> .npy tree ->
// kiln partition eval, searched the way vchordrq searches.
#include <filesystem>

#include <unistd.h>

#include <gtest/gtest.h>

#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"
#include "kiln/job/partition_job.h"

namespace kiln {
namespace {

constexpr const char* kTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
constexpr const char* kTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

TEST(PartitionFashionMnistTest, RecallAtFixedProbesAboveFloor) {
  const std::string dir = "/tmp/kiln_fmnist_tree_" + std::to_string(::getpid());
  ThreadPool pool(2);
  ExecContext ctx{&pool, nullptr, nullptr};
  job::PartitionJobOptions o;
  o.input_file = kTrain;
  o.lists = {16, 256};
  o.sampling_factor = 64;
  o.output = dir;
  auto built = job::RunPartition(o, ctx);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->tree.levels.back().k, 256u);

  auto queries = ReadVectors(kTest, ReadOptions{.limit = 1000});
  ASSERT_TRUE(queries.ok());
  const std::string qpath = dir + "/queries.npy";
  ASSERT_TRUE(WriteNpy(qpath, queries->data(), queries->n(), queries->d()).ok());
  job::PartitionEvalOptions e;
  e.tree = dir;
  e.base_file = kTrain;
  e.queries_file = qpath;
  e.k = 10;
  e.probes = {{1, 4}, {4, 16}};
  auto r = job::RunPartitionEval(e, ctx);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 2u);
  std::printf("recall@10 %.4f at probes 1,4 (scanned %.0f), %.4f at 4,16 (scanned %.0f); leaves max %zu\n",
              r->results[0].recall, r->results[0].mean_scanned, r->results[1].recall, r->results[1].mean_scanned,
              r->leaf_sizes.max);
  EXPECT_GT(r->results[0].recall, 0.80);  // measured 0.8519
  EXPECT_GT(r->results[1].recall, 0.98);  // measured 0.9951
  EXPECT_GT(r->results[1].recall, r->results[0].recall);
  EXPECT_LT(r->results[1].mean_scanned, 60000.0 * 16 / 256 * 2);  // well below a full scan
  EXPECT_EQ(r->leaf_sizes.leaves, 256u);
}

}  // namespace
}  // namespace kiln
