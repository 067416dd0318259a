// Writer/reader round trips, and dispatch errors shared by all formats.
#include "kiln/dataset/vector_writer.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"

namespace kiln {
namespace {

using testing::TempDir;

std::vector<float> Values(size_t n, size_t d) {
  std::vector<float> v(n * d);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f - 3.0f;
  return v;
}

void ExpectEqual(const Dataset& ds, const std::vector<float>& v, size_t n, size_t d) {
  ASSERT_EQ(ds.n(), n);
  ASSERT_EQ(ds.d(), d);
  for (size_t i = 0; i < n * d; ++i) ASSERT_EQ(ds.data()[i], v[i]) << "at " << i;
}

TEST(VectorWriterTest, NpyFloatRoundTripIsZeroCopy) {
  TempDir dir;
  auto v = Values(7, 5);
  ASSERT_TRUE(WriteNpy(dir.File("x.npy"), v.data(), 7, 5).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.File("x.npy")), 128u + 7 * 5 * 4);  // 64-byte aligned header
  auto ds = ReadVectors(dir.File("x.npy"));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_TRUE(ds->is_mapped());
  ExpectEqual(*ds, v, 7, 5);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.File("")), {}), 1);  // no temp files left
}

TEST(VectorWriterTest, NpyInt64RoundTrips) {
  TempDir dir;
  std::vector<int64_t> nb = {1, -1, 1LL << 40, 3, 4, 5};
  ASSERT_TRUE(WriteNpy(dir.File("gt.npy"), nb.data(), 2, 3).ok());
  auto m = ReadNeighbors(dir.File("gt.npy"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->n, 2u);
  EXPECT_EQ(m->d, 3u);
  EXPECT_EQ(m->values, nb);
  EXPECT_EQ(m->row(1)[0], 3);

  std::vector<int64_t> ids = {7, 8, 9, -4};
  ASSERT_TRUE(WriteNpy(dir.File("ids.npy"), ids.data(), 4).ok());
  auto read = ReadIds(dir.File("ids.npy"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, ids);
  // A 2-D n x 1 array is accepted as ids too.
  ASSERT_TRUE(WriteNpy(dir.File("ids2.npy"), ids.data(), 4, 1).ok());
  read = ReadIds(dir.File("ids2.npy"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, ids);
  KILN_EXPECT_ERROR(ReadIds(dir.File("gt.npy")), StatusCode::kInvalidArgument,
                    dir.File("gt.npy") + ": ids array has shape (2, 3); expected 1-D (n,) or 2-D (n, 1)");
}

TEST(VectorWriterTest, VecsRoundTrips) {
  TempDir dir;
  auto v = Values(4, 3);
  ASSERT_TRUE(WriteFvecs(dir.File("x.fvecs"), v.data(), 4, 3).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.File("x.fvecs")), 4u * (4 + 12));
  auto ds = ReadVectors(dir.File("x.fvecs"));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ExpectEqual(*ds, v, 4, 3);

  std::vector<uint8_t> b = {0, 1, 255, 128, 7, 9};
  ASSERT_TRUE(WriteBvecs(dir.File("x.bvecs"), b.data(), 2, 3).ok());
  ds = ReadVectors(dir.File("x.bvecs"));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ExpectEqual(*ds, {0, 1, 255, 128, 7, 9}, 2, 3);

  std::vector<int32_t> iv = {5, -2, 2000000, 0};
  ASSERT_TRUE(WriteIvecs(dir.File("gt.ivecs"), iv.data(), 2, 2).ok());
  ds = ReadVectors(dir.File("gt.ivecs"));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ExpectEqual(*ds, {5, -2, 2000000, 0}, 2, 2);
  auto m = ReadNeighbors(dir.File("gt.ivecs"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->values, (std::vector<int64_t>{5, -2, 2000000, 0}));
  EXPECT_EQ(m->d, 2u);
}

TEST(VectorWriterTest, KnnVecAndKnnDidRoundTrip) {
  TempDir dir;
  auto v = Values(6, 4);
  ASSERT_TRUE(WriteKnnVec(dir.File("x.knnvec"), v.data(), 6, 4).ok());
  ReadOptions options;
  options.dimension = 4;
  auto ds = ReadVectors(dir.File("x.knnvec"), options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_TRUE(ds->is_mapped());
  ExpectEqual(*ds, v, 6, 4);
  std::vector<int32_t> ids = {3, 1, -7};
  ASSERT_TRUE(WriteKnnDid(dir.File("x.knndid"), ids.data(), 3).ok());
  auto read = ReadIds(dir.File("x.knndid"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, (std::vector<idx_t>{3, 1, -7}));
}

TEST(VectorWriterTest, WritersRejectBadShapes) {
  TempDir dir;
  float x = 1.0f;
  KILN_EXPECT_ERROR(WriteFvecs(dir.File("x.fvecs"), &x, 1, 0), StatusCode::kInvalidArgument,
                    dir.File("x.fvecs") + ": dimension 0 does not fit a vecs row (1 to 2147483647)");
  KILN_EXPECT_ERROR(WriteNpy(dir.File("x.npy"), static_cast<const float*>(nullptr), 2, 2),
                    StatusCode::kInvalidArgument, dir.File("x.npy") + ": null data for 4 values");
  Status missing_dir = WriteNpy(dir.File("no/such/dir/x.npy"), &x, 1, 1);
  EXPECT_EQ(missing_dir.code(), StatusCode::kNotFound) << missing_dir.ToString();
  EXPECT_NE(missing_dir.message().find(dir.File("no/such/dir/x.npy")), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.npy")));
}

TEST(VectorReaderTest, UnknownExtensionListsSupported) {
  KILN_EXPECT_ERROR(ReadVectors("/tmp/data.csv"), StatusCode::kInvalidArgument,
                    "/tmp/data.csv: unknown vector file extension '.csv'; supported: .npy, .fvecs, .bvecs, .ivecs, "
                    ".hdf5 / .h5 (path.hdf5:dataset), IDX (*-ubyte, *-ubyte.gz, .idx, .idx.gz), .knnvec");
  KILN_EXPECT_ERROR(ReadVectors("/tmp/noext"), StatusCode::kInvalidArgument,
                    "/tmp/noext: unknown vector file extension none; supported: .npy, .fvecs, .bvecs, .ivecs, "
                    ".hdf5 / .h5 (path.hdf5:dataset), IDX (*-ubyte, *-ubyte.gz, .idx, .idx.gz), .knnvec");
  KILN_EXPECT_ERROR(ReadIds("/tmp/ids.txt"), StatusCode::kInvalidArgument,
                    "/tmp/ids.txt: unknown id file extension '.txt'; supported: .knndid, .npy");
  KILN_EXPECT_ERROR(ReadNeighbors("/tmp/gt.fvecs"), StatusCode::kInvalidArgument,
                    "/tmp/gt.fvecs: unknown neighbour file extension '.fvecs'; supported: .ivecs, .npy, .hdf5 / "
                    ".h5 (path.hdf5:neighbors)");
}

TEST(VectorReaderTest, MissingFilesAreNotFound) {
  TempDir dir;
  for (std::string name : {"a.npy", "a.fvecs", "a.bvecs", "a.ivecs", "a.hdf5", "a.h5:test", "a-idx3-ubyte.gz",
                           "a.idx"}) {
    std::string path = dir.File(name.substr(0, name.find(':')));
    auto ds = ReadVectors(dir.File(name));
    EXPECT_EQ(ds.status().code(), StatusCode::kNotFound) << name << ": " << ds.status().ToString();
    EXPECT_EQ(ds.status().message(), path + ": no such file");
  }
  ReadOptions options;
  options.dimension = 4;
  KILN_EXPECT_ERROR(ReadVectors(dir.File("a.knnvec"), options), StatusCode::kNotFound,
                    dir.File("a.knnvec") + ": no such file");
  KILN_EXPECT_ERROR(ReadIds(dir.File("a.knndid")), StatusCode::kNotFound, dir.File("a.knndid") + ": no such file");
  KILN_EXPECT_ERROR(ReadNeighbors(dir.File("gt.ivecs")), StatusCode::kNotFound,
                    dir.File("gt.ivecs") + ": no such file");
}

TEST(VectorReaderTest, GivenDimensionMustMatchTheFile) {
  TempDir dir;
  auto v = Values(2, 3);
  ASSERT_TRUE(WriteFvecs(dir.File("x.fvecs"), v.data(), 2, 3).ok());
  ReadOptions options;
  options.dimension = 3;
  EXPECT_TRUE(ReadVectors(dir.File("x.fvecs"), options).ok());
  options.dimension = 4;
  KILN_EXPECT_ERROR(ReadVectors(dir.File("x.fvecs"), options), StatusCode::kInvalidArgument,
                    dir.File("x.fvecs") + ": vectors have dimension 3, but dimension 4 was requested");
}

TEST(VectorReaderTest, LimitReadsFirstRows) {
  TempDir dir;
  auto v = Values(10, 2);
  ASSERT_TRUE(WriteFvecs(dir.File("x.fvecs"), v.data(), 10, 2).ok());
  ASSERT_TRUE(WriteNpy(dir.File("x.npy"), v.data(), 10, 2).ok());
  ReadOptions options;
  options.limit = 3;
  for (std::string name : {"x.fvecs", "x.npy"}) {
    auto ds = ReadVectors(dir.File(name), options);
    ASSERT_TRUE(ds.ok()) << ds.status().ToString();
    ExpectEqual(*ds, std::vector<float>(v.begin(), v.begin() + 6), 3, 2);
  }
  options.limit = 100;
  auto ds = ReadVectors(dir.File("x.npy"), options);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->n(), 10u);
  options.limit = 0;
  KILN_EXPECT_ERROR(ReadVectors(dir.File("x.npy"), options), StatusCode::kInvalidArgument,
                    dir.File("x.npy") + ": row limit must be > 0");
}

}  // namespace
}  // namespace kiln
