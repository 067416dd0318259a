#include <limits>
#include <optional>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"

namespace kiln {
namespace {

using testing::AppendLe;
using testing::TempDir;
using testing::WriteBytes;

// One fvecs row: int32 d, then the values.
std::string FvecsRow(const std::vector<float>& values, std::optional<int32_t> d = std::nullopt) {
  std::string out;
  AppendLe<int32_t>(&out, d.value_or(static_cast<int32_t>(values.size())));
  for (float v : values) AppendLe<float>(&out, v);
  return out;
}

class VecsReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.File(name);
    WriteBytes(path, bytes);
    return path;
  }
  TempDir dir_;
};

TEST_F(VecsReaderTest, HandWrittenBvecs) {
  std::string bytes;
  AppendLe<int32_t>(&bytes, 3);
  bytes += std::string("\x01\x02\xff", 3);
  AppendLe<int32_t>(&bytes, 3);
  bytes += std::string("\x00\x80\x10", 3);
  auto ds = ReadVectors(Write("x.bvecs", bytes));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 6), (std::vector<float>{1, 2, 255, 0, 128, 16}));
}

TEST_F(VecsReaderTest, RowWithDifferentDimension) {
  std::string path = Write("x.fvecs", FvecsRow({1, 2}) + FvecsRow({3, 4}) + FvecsRow({5, 6, 7}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 2 at byte offset 24 has dimension 3, expected 2 (the first row's); all rows must "
                           "have the same dimension");
}

TEST_F(VecsReaderTest, TruncatedLastRow) {
  std::string bytes = FvecsRow({1, 2, 3}) + FvecsRow({4, 5, 6});
  std::string path = Write("x.fvecs", bytes.substr(0, bytes.size() - 5));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 1 at byte offset 16 is truncated: 11 bytes left, expected 16 (4-byte dimension + "
                           "3 float32 values)");
  path = Write("y.fvecs", bytes + std::string("\x03\x00", 2));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 2 at byte offset 32 is truncated: 2 bytes left, expected a 16-byte row");
  path = Write("z.ivecs", std::string("\x01\x00", 2));
  KILN_EXPECT_ERROR(ReadNeighbors(path), StatusCode::kDataLoss,
                    path + ": truncated: file is 2 bytes, too short for the first row's 4-byte dimension");
}

TEST_F(VecsReaderTest, EmptyZeroAndNegativeDimension) {
  std::string path = Write("e.fvecs", "");
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ": contains no vectors (empty file)");
  path = Write("z.fvecs", FvecsRow({}) + FvecsRow({}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": first row (byte offset 0) has dimension 0");
  path = Write("n.bvecs", FvecsRow({}, -5));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": first row (byte offset 0) has dimension -5, expected a positive int32");
  // A huge claimed dimension is caught by the size check, not by reading.
  path = Write("h.fvecs", FvecsRow({1}, 0x7fffffff));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 0 at byte offset 0 is truncated: 8 bytes left, expected 8589934592 (4-byte "
                           "dimension + 2147483647 float32 values)");
}

TEST_F(VecsReaderTest, NonFinitePolicies) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::string path = Write("x.fvecs", FvecsRow({1, 2}) + FvecsRow({3, nan}) + FvecsRow({5, 6}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 1, column 1 is NaN (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
  ReadOptions options;
  options.non_finite = NonFinitePolicy::kSkipRow;
  auto ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 4), (std::vector<float>{1, 2, 5, 6}));
  EXPECT_EQ(ds->source_row(1), 2u);
  options.non_finite = NonFinitePolicy::kZero;
  ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 6), (std::vector<float>{1, 2, 3, 0, 5, 6}));
  // With a limit, rows past it are neither read nor validated.
  options.non_finite = NonFinitePolicy::kReject;
  options.limit = 1;
  ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 1u);
}

TEST_F(VecsReaderTest, IvecsIntegersAreNotCheckedForNonFinite) {
  std::string bytes;
  AppendLe<int32_t>(&bytes, 1);
  AppendLe<int32_t>(&bytes, 0x7fc00000);  // a NaN bit pattern, but an int
  auto ds = ReadVectors(Write("x.ivecs", bytes));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->row(0)[0], static_cast<float>(0x7fc00000));
}

}  // namespace
}  // namespace kiln
