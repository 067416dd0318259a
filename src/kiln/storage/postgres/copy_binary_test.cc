#include "kiln/storage/postgres/copy_binary.h"

#include <gtest/gtest.h>

namespace kiln::storage::pg {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

const std::string kHeader = Bytes({'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0});

TEST(CopyBinaryWriterTest, HeaderAndTrailer) {
  CopyBinaryWriter w;
  EXPECT_EQ(w.buffer(), kHeader);
  w.Finish();
  EXPECT_EQ(w.buffer(), kHeader + Bytes({0xff, 0xff}));
}

TEST(CopyBinaryWriterTest, PgVectorSendLayoutByteExact) {
  CopyBinaryWriter w;
  w.TakeBuffer();
  const float v[2] = {1.0f, -2.5f};  // 0x3f800000, 0xc0200000
  w.PgVector(v, 2);
  EXPECT_EQ(w.buffer(), Bytes({0, 0, 0, 12,              // field length 4 + 4·2
                               0, 2, 0, 0,               // int16 dim, int16 unused
                               0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0}));
}

TEST(CopyBinaryWriterTest, RowWithInt4NullAndRealArrayByteExact) {
  CopyBinaryWriter w;
  w.TakeBuffer();
  const float v[1] = {0.5f};  // 0x3f000000
  w.BeginRow(3);
  w.Int4(-2);
  w.Null();
  w.Float4Array(v, 1);
  EXPECT_EQ(w.buffer(), Bytes({0, 3,                                  // fields
                               0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe,    // int4 -2
                               0xff, 0xff, 0xff, 0xff,                // NULL
                               0, 0, 0, 28,                           // 20 + 8·1
                               0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0xbc,  // ndim 1, no nulls, oid 700
                               0, 0, 0, 1, 0, 0, 0, 1,                // dim 1, lower bound 1
                               0, 0, 0, 4, 0x3f, 0, 0, 0}));
  w.TakeBuffer();
  w.Int8(0x0102030405060708LL);
  EXPECT_EQ(w.buffer(), Bytes({0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(DecodeFloat4ArrayTest, RoundTripsAndRejectsMalformed) {
  CopyBinaryWriter w;
  w.TakeBuffer();
  const float v[3] = {1.5f, -0.0f, 3e9f};
  w.Float4Array(v, 3);
  const std::string bytes = w.buffer().substr(4);  // drop the field length
  std::vector<float> out;
  ASSERT_TRUE(DecodeFloat4Array(bytes.data(), bytes.size(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{1.5f, -0.0f, 3e9f}));
  EXPECT_EQ(DecodeFloat4Array(bytes.data(), bytes.size() - 1, out).message(),
            "binary real[]: 3 elements need 44 bytes, found 43");
  std::string wrong_oid = bytes;
  wrong_oid[11] = static_cast<char>(0xbd);
  EXPECT_EQ(DecodeFloat4Array(wrong_oid.data(), wrong_oid.size(), out).message(),
            "binary real[]: element type oid 701, expected float4 (700)");
}

TEST(VectorColumnSqlTest, Names) {
  EXPECT_EQ(VectorColumnSql(VectorColumnType::kVector, 128), "vector(128)");
  EXPECT_EQ(VectorColumnSql(VectorColumnType::kRealArray, 128), "real[]");
}

}  // namespace
}  // namespace kiln::storage::pg
