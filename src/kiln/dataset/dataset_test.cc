#include "kiln/dataset/dataset.h"

#include <cstdint>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"

namespace kiln {
namespace {

using testing::TempDir;

Dataset Make(size_t n, size_t d) {
  std::vector<float> v(n * d);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  auto ds = Dataset::FromVector(v, n, d);
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  return std::move(ds).value();
}

TEST(DatasetTest, FromVectorOwnsAlignedCopy) {
  Dataset ds = Make(3, 4);
  EXPECT_EQ(ds.n(), 3u);
  EXPECT_EQ(ds.d(), 4u);
  EXPECT_FALSE(ds.is_mapped());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ds.data()) % 64, 0u);
  EXPECT_EQ(ds.row(2)[1], 9.0f);
  EXPECT_FALSE(ds.has_ids());
  EXPECT_EQ(ds.source_row(2), 2u);
}

TEST(DatasetTest, FromVectorRejectsBadSizes) {
  KILN_EXPECT_ERROR(Dataset::FromVector({1, 2, 3}, 2, 2), StatusCode::kInvalidArgument,
                    "expected 2 x 2 = 4 values, found 3");
  KILN_EXPECT_ERROR(Dataset::FromVector({}, 2, 0), StatusCode::kInvalidArgument,
                    "dataset of 2 rows has dimension 0");
  EXPECT_TRUE(Dataset::FromVector({}, 0, 5).ok());
}

TEST(DatasetTest, SetIdsChecksSize) {
  Dataset ds = Make(3, 2);
  KILN_EXPECT_ERROR(ds.SetIds({1, 2}), StatusCode::kInvalidArgument, "dataset has 3 rows but 2 ids were given");
  ASSERT_TRUE(ds.SetIds({10, 11, 12}).ok());
  EXPECT_TRUE(ds.has_ids());
  EXPECT_EQ(ds.ids()[2], 12);
}

// 4096 rows of 16 floats: 256 KiB, so row 2048 lies on whole pages.
TEST(DatasetTest, ReleaseRowsClearsSolelyOwnedRows) {
  Dataset ds = Make(4096, 16);
  ds.ReleaseRows(0, 4096);
  EXPECT_EQ(ds.row(2048)[0], 0.0f);
  EXPECT_EQ(ds.row(2048)[15], 0.0f);
}

TEST(DatasetTest, ReleaseRowsLeavesSharedStorageAlone) {
  Dataset ds = Make(4096, 16);
  const Dataset other = ds;
  ds.ReleaseRows(0, 4096);
  EXPECT_EQ(ds.row(2048)[1], 2048.0f * 16 + 1);
  EXPECT_EQ(other.row(2048)[1], 2048.0f * 16 + 1);
}

TEST(DatasetTest, ReleaseRowsOfMappedFileReadsThemBackFromTheFile) {
  const Dataset source = Make(4096, 16);
  TempDir dir;
  const std::string path = dir.File("release_rows.npy");
  ASSERT_TRUE(WriteNpy(path, source.data(), 4096, 16).ok());
  auto ds = ReadVectors(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_TRUE(ds->is_mapped());
  ds->ReleaseRows(0, 4096);
  EXPECT_EQ(ds->row(2048)[1], 2048.0f * 16 + 1);
  EXPECT_EQ(ds->row(4095)[15], 4096.0f * 16 - 1);
}

TEST(DatasetTest, SliceSharesStorageAndTracksSourceRows) {
  Dataset ds = Make(5, 2);
  ASSERT_TRUE(ds.SetIds({10, 11, 12, 13, 14}).ok());
  Dataset s = ds.Slice(1, 4);
  EXPECT_EQ(s.n(), 3u);
  EXPECT_EQ(s.data(), ds.row(1));
  EXPECT_EQ(s.ids(), (std::vector<idx_t>{11, 12, 13}));
  EXPECT_EQ(s.source_row(0), 1u);
  Dataset s2 = s.Slice(1, 2);
  EXPECT_EQ(s2.source_row(0), 2u);
  EXPECT_EQ(s2.row(0)[0], 4.0f);
  EXPECT_EQ(ds.Slice(5, 5).n(), 0u);
}

TEST(DatasetTest, MutableDataCopiesSharedStorage) {
  Dataset ds = Make(4, 2);
  Dataset copy = ds;  // shares storage
  EXPECT_EQ(copy.data(), ds.data());
  copy.mutable_data()[0] = 100.0f;
  EXPECT_NE(copy.data(), ds.data());
  EXPECT_EQ(ds.row(0)[0], 0.0f);
  EXPECT_EQ(copy.row(0)[0], 100.0f);
  // Exclusive owner: written in place.
  const float* before = copy.data();
  copy.mutable_data()[1] = 7.0f;
  EXPECT_EQ(copy.data(), before);
  // A slice's write does not reach its parent.
  Dataset s = ds.Slice(2, 4);
  s.mutable_data()[0] = -1.0f;
  EXPECT_EQ(ds.row(2)[0], 4.0f);
  EXPECT_EQ(s.row(0)[0], -1.0f);
  EXPECT_EQ(s.row(1)[0], 6.0f);
}

TEST(DatasetTest, GatherCopiesRowsIdsAndSourceRows) {
  Dataset ds = Make(5, 3);
  ASSERT_TRUE(ds.SetIds({10, 11, 12, 13, 14}).ok());
  Dataset g = ds.Slice(1, 5).Gather({3, 0, 3});
  EXPECT_EQ(g.n(), 3u);
  EXPECT_EQ(g.row(0)[0], 12.0f);
  EXPECT_EQ(g.row(1)[2], 5.0f);
  EXPECT_EQ(g.ids(), (std::vector<idx_t>{14, 11, 14}));
  EXPECT_EQ(g.source_rows(), (std::vector<size_t>{4, 1, 4}));
  EXPECT_EQ(g.Slice(1, 3).source_row(0), 1u);
}

TEST(DatasetTest, SetIdsBySourceRow) {
  Dataset ds = Make(5, 1).Gather({4, 2});
  ASSERT_TRUE(ds.SetIdsBySourceRow({100, 101, 102, 103, 104}).ok());
  EXPECT_EQ(ds.ids(), (std::vector<idx_t>{104, 102}));
  KILN_EXPECT_ERROR(ds.SetIdsBySourceRow({1, 2, 3}), StatusCode::kOutOfRange,
                    "row 0 comes from source row 4, but only 3 ids were given");
}

TEST(DatasetTest, ViewIsZeroCopyAndCopiesOnWrite) {
  TempDir dir;
  std::string bytes(8, 'x');  // 8-byte prefix, then 2 x 2 floats
  for (float f : {1.0f, 2.0f, 3.0f, 4.0f}) testing::AppendLe(&bytes, f);
  testing::WriteBytes(dir.File("v.bin"), bytes);
  auto file = MappedFile::Open(dir.File("v.bin"));
  ASSERT_TRUE(file.ok());
  Dataset ds = Dataset::View(*file, 8, 2, 2);
  EXPECT_TRUE(ds.is_mapped());
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(ds.data()), (*file)->data() + 8);
  EXPECT_EQ(ds.row(1)[1], 4.0f);
  Dataset s = ds.Slice(1, 2);
  EXPECT_TRUE(s.is_mapped());
  float* w = ds.mutable_data();
  w[0] = 9.0f;
  EXPECT_FALSE(ds.is_mapped());
  EXPECT_EQ(ds.row(0)[0], 9.0f);
  EXPECT_EQ(testing::ReadBytes(dir.File("v.bin")), bytes);  // the file is untouched
}

}  // namespace
}  // namespace kiln
