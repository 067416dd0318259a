#include "kiln/format/faiss/faiss_io.h"

#include <gtest/gtest.h>

#include "kiln/format/faiss/fourcc.h"

namespace kiln::format {
namespace {

TEST(FaissIoTest, FourccMatchesFaissByteOrder) {
  EXPECT_EQ(Fourcc("IxF2"), 0x32467849u);  // 'I' | 'x'<<8 | 'F'<<16 | '2'<<24
  StringSink sink;
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccIvfFlat).ok());
  EXPECT_EQ(sink.data(), "IwFl");
  EXPECT_EQ(FourccName(kFourccArrayLists), "ilar");
  EXPECT_EQ(FourccName(0x00000001u), "0x00000001");
}

TEST(FaissIoTest, WriteVectorIsCountThenElements) {
  StringSink sink;
  const int64_t v[2] = {5, -1};
  ASSERT_TRUE(WriteVector<int64_t>(sink, v, 2).ok());
  ASSERT_EQ(sink.data().size(), 8u + 16u);
  uint64_t count;
  std::memcpy(&count, sink.data().data(), 8);
  EXPECT_EQ(count, 2u);
}

TEST(FaissIoTest, ReaderReportsOffsetsAndTruncation) {
  const uint8_t bytes[11] = {1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0};
  FaissReader reader(bytes, sizeof bytes, "x.index");
  auto a = reader.ReadI32("int32 d");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 1);
  auto b = reader.ReadU64("u64 nlist");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(
      b.status().message(),
      "x.index: offset 4: expected u64 nlist (8 bytes), found only 7 bytes before the end of data");
  EXPECT_EQ(reader.offset(), 4u);  // a failed read does not advance
  auto c = reader.ReadCount("id_map", 8);
  EXPECT_EQ(c.status().message(),
            "x.index: offset 4: expected u64 size of id_map (8 bytes), found only 7 bytes before "
            "the end of data");
  FaissReader empty(bytes, 0, "e");
  EXPECT_EQ(empty.ReadU8("u8 flag").status().message(),
            "e: offset 0: expected u8 flag (1 bytes), found end of data");
}

TEST(FaissIoTest, CountsMustFitTheRemainingBytes) {
  uint8_t bytes[24] = {};
  const uint64_t huge = uint64_t{1} << 62;
  std::memcpy(bytes, &huge, 8);
  FaissReader reader(bytes, sizeof bytes, "x.index");
  auto count = reader.ReadCount("id_map", 8);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().message(),
            "x.index: offset 0: expected size of id_map with at most 2 elements of 8 bytes (the "
            "bytes that "
            "remain), found 4611686018427387904");
  const uint64_t two = 2;
  std::memcpy(bytes, &two, 8);
  FaissReader ok(bytes, sizeof bytes, "x.index");
  EXPECT_EQ(ok.ReadCount("id_map", 8).value(), 2u);
}

}  // namespace
}  // namespace kiln::format
