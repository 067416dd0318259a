#include <zlib.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"

namespace kiln {
namespace {

using testing::AppendBe;
using testing::TempDir;
using testing::WriteBytes;

// IDX header: two zero bytes, type code, ndims, then big-endian dims.
std::string IdxHeader(uint8_t type, const std::vector<uint32_t>& dims) {
  std::string out("\0\0", 2);
  out += static_cast<char>(type);
  out += static_cast<char>(dims.size());
  for (uint32_t dim : dims) AppendBe<uint32_t>(&out, dim);
  return out;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

class IdxReaderTest : public ::testing::Test {
 protected:
  std::string Images() {
    std::string bytes = IdxHeader(0x08, {3, 2, 3});
    for (int i = 0; i < 18; ++i) bytes += static_cast<char>(i * 14);
    return bytes;
  }
  TempDir dir_;
};

TEST_F(IdxReaderTest, GzippedIdx3Ubyte) {
  std::string path = dir_.File("train-images-idx3-ubyte.gz");
  WriteGzip(path, Images());
  auto ds = ReadVectors(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->n(), 3u);
  ASSERT_EQ(ds->d(), 6u);
  EXPECT_EQ(ds->row(2)[5], 17.0f * 14);
  ReadOptions options;
  options.limit = 2;
  ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 2u);
}

TEST_F(IdxReaderTest, PlainIdxAndFloatIdx2) {
  std::string path = dir_.File("images.idx3-ubyte");
  WriteBytes(path, Images());
  auto ds = ReadVectors(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->row(1)[0], 6.0f * 14);

  std::string bytes = IdxHeader(0x0D, {2, 2});
  for (float f : {1.5f, -2.0f, 0.25f, 1e30f}) AppendBe<float>(&bytes, f);
  path = dir_.File("vectors.idx");
  WriteBytes(path, bytes);
  ds = ReadVectors(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 4), (std::vector<float>{1.5f, -2.0f, 0.25f, 1e30f}));
}

TEST_F(IdxReaderTest, NonFiniteFloats) {
  std::string bytes = IdxHeader(0x0D, {2, 1});
  AppendBe<uint32_t>(&bytes, 0x7fc00000u);  // NaN
  AppendBe<float>(&bytes, 3.0f);
  std::string path = dir_.File("f.idx");
  WriteBytes(path, bytes);
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 0, column 0 is NaN (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
  ReadOptions options;
  options.non_finite = NonFinitePolicy::kSkipRow;
  auto ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 1u);
  EXPECT_EQ(ds->row(0)[0], 3.0f);
}

TEST_F(IdxReaderTest, WrongMagic) {
  std::string path = dir_.File("x-idx3-ubyte.gz");
  WriteGzip(path, std::string("\x01\x02\x08\x03", 4) + std::string(12, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": bad IDX magic 0x01020803 at byte offset 0: expected 0x0000TTNN with type code TT one "
                           "of 08, 09, 0B, 0C, 0D, 0E and NN >= 1 dimensions (e.g. 0x00000803 for uint8 images)");
  path = dir_.File("short.idx");
  WriteBytes(path, std::string("\0\0", 2));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": truncated IDX header: found 2 bytes, expected at least 4 (the magic number)");
  path = dir_.File("dims.idx");
  WriteBytes(path, IdxHeader(0x08, {3, 2, 3}).substr(0, 10));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": truncated IDX header: 3 dimension sizes need 12 bytes from byte offset 4, found 6");
}

TEST_F(IdxReaderTest, LabelsAndEmptyFiles) {
  std::string path = dir_.File("train-labels-idx1-ubyte");
  WriteBytes(path, IdxHeader(0x08, {4}) + std::string(4, '\1'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": IDX array is 1-D (magic 0x00000801, 4 values), e.g. a labels file; expected vectors "
                           "(2-D or more)");
  path = dir_.File("empty.idx");
  WriteBytes(path, IdxHeader(0x08, {0, 28, 28}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ": contains no vectors");
  path = dir_.File("d0.idx");
  WriteBytes(path, IdxHeader(0x08, {5, 0}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ": vectors have dimension 0 (5 rows)");
}

TEST_F(IdxReaderTest, TruncatedAndOversizedPayloads) {
  std::string images = Images();
  std::string path = dir_.File("t-idx3-ubyte.gz");
  WriteGzip(path, images.substr(0, images.size() - 4));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": truncated: payload ends at byte offset 30 inside row 2; expected 18 payload bytes (3 "
                           "rows x 6 uint8 values) after the 16-byte header");
  path = dir_.File("long.idx");
  WriteBytes(path, images + "x");
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": unexpected data at byte offset 34, past the 18 payload bytes (3 rows x 6 uint8 "
                           "values) the header describes");
  // A header claiming 4G x 4G... images is rejected before any allocation.
  path = dir_.File("huge.idx");
  WriteBytes(path, IdxHeader(0x08, {0xffffffffu, 0xffffffffu}));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": truncated: header at byte offset 4 describes 4294967295 rows x 4294967295 uint8 values "
                           "= 18446744065119617025 payload bytes, more than this 12-byte file can hold");
  path = dir_.File("huge-ubyte.gz");
  WriteGzip(path, IdxHeader(0x0C, {1000000, 1000}));
  auto s = ReadVectors(path).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("more than this"), std::string::npos) << s.message();
}

TEST_F(IdxReaderTest, CorruptGzipStream) {
  std::string path = dir_.File("c-idx3-ubyte.gz");
  WriteGzip(path, Images());
  std::string bytes = testing::ReadBytes(path);
  bytes.resize(bytes.size() - 12);  // cut the deflate stream and trailer
  WriteBytes(path, bytes);
  auto s = ReadVectors(path).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << s.message();
}

TEST(FashionMnistTest, ReadsRealTrainingImages) {
  const std::string path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed";
  auto ds = ReadVectors(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 60000u);
  EXPECT_EQ(ds->d(), 784u);
  float lo = 255, hi = 0;
  for (size_t i = 0; i < ds->n() * ds->d(); ++i) {
    lo = std::min(lo, ds->data()[i]);
    hi = std::max(hi, ds->data()[i]);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 255.0f);
}

}  // namespace
}  // namespace kiln
