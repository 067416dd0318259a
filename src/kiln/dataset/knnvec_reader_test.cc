#include <limits>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"

namespace kiln {
namespace {

using testing::AppendLe;
using testing::TempDir;
using testing::WriteBytes;

class KnnVecReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.File(name);
    WriteBytes(path, bytes);
    return path;
  }
  static ReadOptions Options(size_t d, KnnVecType type) {
    ReadOptions options;
    options.dimension = d;
    options.knnvec_type = type;
    return options;
  }
  TempDir dir_;
};

TEST_F(KnnVecReaderTest, HalfFloatIsFloat32OnTheWire) {
  std::string bytes;
  for (float f : {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}) AppendLe<float>(&bytes, f);
  auto ds = ReadVectors(Write("x.knnvec", bytes), Options(3, KnnVecType::kHalfFloat));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_TRUE(ds->is_mapped());
  EXPECT_EQ(ds->n(), 2u);
  EXPECT_EQ(ds->row(1)[2], 6.0f);
}

TEST_F(KnnVecReaderTest, Byte) {
  auto ds = ReadVectors(Write("b.knnvec", std::string("\x01\xff\x80\x7f\x00\x05", 6)), Options(2, KnnVecType::kByte));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 3u);
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 6), (std::vector<float>{1, -1, -128, 127, 0, 5}));
}

TEST_F(KnnVecReaderTest, BinaryUnpacksLeastSignificantBitFirst) {
  // Two 16-bit vectors.
  auto ds = ReadVectors(Write("b.knnvec", std::string("\x01\x80\xf0\x0f", 4)), Options(16, KnnVecType::kBinary));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->n(), 2u);
  ASSERT_EQ(ds->d(), 16u);
  std::vector<float> want0 = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::vector<float> want1 = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<float>(ds->row(0), ds->row(0) + 16), want0);
  EXPECT_EQ(std::vector<float>(ds->row(1), ds->row(1) + 16), want1);
  std::string path = dir_.File("b.knnvec");
  KILN_EXPECT_ERROR(ReadVectors(path, Options(12, KnnVecType::kBinary)), StatusCode::kInvalidArgument,
                    path + ": binary .knnvec dimension is in bits and must be a multiple of 8, got 12");
}

TEST_F(KnnVecReaderTest, SizeNotAMultipleOfTheRow) {
  std::string path = Write("x.knnvec", std::string(20, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path, Options(3, KnnVecType::kFloat)), StatusCode::kDataLoss,
                    path + ": file size is not a whole number of float vectors of dimension 3: expected a "
                           "multiple of 12 bytes, found 20 (8 bytes past the last whole vector)");
  KILN_EXPECT_ERROR(ReadVectors(path, Options(3, KnnVecType::kByte)), StatusCode::kDataLoss,
                    path + ": file size is not a whole number of byte vectors of dimension 3: expected a "
                           "multiple of 3 bytes, found 20 (2 bytes past the last whole vector)");
}

TEST_F(KnnVecReaderTest, DimensionRequiredAndEmptyFile) {
  std::string path = Write("x.knnvec", std::string(16, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": .knnvec files have no header; the vector dimension is required (--dimension, in bits "
                           "for binary vectors)");
  KILN_EXPECT_ERROR(ReadVectors(path, Options(0, KnnVecType::kFloat)), StatusCode::kInvalidArgument,
                    path + ": vector dimension must be > 0, got 0");
  path = Write("e.knnvec", "");
  KILN_EXPECT_ERROR(ReadVectors(path, Options(4, KnnVecType::kFloat)), StatusCode::kInvalidArgument,
                    path + ": contains no vectors (empty file)");
}

TEST_F(KnnVecReaderTest, NonFiniteOnMappedView) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {1, 2, inf, 4};
  std::string path = dir_.File("x.knnvec");
  ASSERT_TRUE(WriteKnnVec(path, v.data(), 2, 2).ok());
  KILN_EXPECT_ERROR(ReadVectors(path, Options(2, KnnVecType::kFloat)), StatusCode::kDataLoss,
                    path + ": row 1, column 0 is +Inf (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
  ReadOptions options = Options(2, KnnVecType::kFloat);
  options.non_finite = NonFinitePolicy::kZero;
  auto ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_FALSE(ds->is_mapped());
  EXPECT_EQ(ds->row(1)[0], 0.0f);
  options.non_finite = NonFinitePolicy::kSkipRow;
  ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 1u);
  EXPECT_EQ(ds->source_rows(), (std::vector<size_t>{0}));
}

TEST_F(KnnVecReaderTest, KnnDidErrors) {
  std::string path = Write("x.knndid", std::string(6, '\0'));
  KILN_EXPECT_ERROR(ReadIds(path), StatusCode::kDataLoss,
                    path + ": .knndid holds 4-byte int32 ids: expected a multiple of 4 bytes, found 6");
  path = Write("e.knndid", "");
  KILN_EXPECT_ERROR(ReadIds(path), StatusCode::kInvalidArgument, path + ": contains no ids (empty file)");
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": .knndid files hold ids, not vectors (read them with ReadIds / --ids)");
}

}  // namespace
}  // namespace kiln
