// Hostile and damaged Faiss files: every failure is a Status (DataLoss or
// Unimplemented) naming the offset; nothing crashes or over-allocates.
#include <gtest/gtest.h>

#include <random>

#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/inspect.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::format {
namespace {

using testing::At;
using testing::BuildIndex;
using testing::Bytes;
using testing::Put;
using testing::Serialize;

Status ReadStatus(const std::string& bytes) {
  return ReadFaissIndex(Bytes(bytes), bytes.size(), "x.index").status();
}

// Offsets in the IDMap,IVF4,Flat file of d = 4 built below.
constexpr size_t kIvf = 37;                        // IwFl record
constexpr size_t kQuantizer = kIvf + 4 + 33 + 16;  // IxF2 record
constexpr size_t kDirectMap = kQuantizer + 4 + 33 + 8 + 4 * 4 * 4;
constexpr size_t kLists = kDirectMap + 9;  // "ilar"

std::string SmallIdMapIvf() {
  return Serialize(*BuildIndex("IDMap,IVF4,Flat", 30, 4, Metric::kL2));
}

// IVF8,Flat (d = 2) with centroids (10·j, 0) and one vector in lists 0 and 7
// each: "sprs" with the pairs (0, 1), (7, 1).
std::string SparseIvf() {
  std::vector<float> centroids(16, 0.0f);
  for (size_t j = 0; j < 8; ++j) centroids[2 * j] = 10.0f * float(j);
  auto ivf = index::IvfFlatIndex::FromParts(
                 Metric::kL2, index::FlatIndex::FromVectors(2, Metric::kL2, centroids).value(),
                 index::InvertedLists(8, 8), 0, 1)
                 .value();
  const float x[4] = {0.5f, 0.0f, 69.5f, 1.0f};
  testing::TestEnv env;
  EXPECT_TRUE(ivf->Add(x, 2, env.ctx).ok());
  return Serialize(*ivf);
}

TEST(CorruptInputTest, EveryTruncationIsDataLoss) {
  for (const std::string& bytes :
       {SmallIdMapIvf(), Serialize(*BuildIndex("Flat", 5, 3, Metric::kInnerProduct)),
        SparseIvf()}) {
    ASSERT_TRUE(ReadStatus(bytes).ok());
    for (size_t len = 0; len < bytes.size(); ++len) {
      const std::string prefix = bytes.substr(0, len);
      Status s = ReadStatus(prefix);
      ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "prefix " << len << ": " << s.ToString();
      ASSERT_TRUE(s.message().starts_with("x.index: offset ")) << s.message();
      EXPECT_EQ(DescribeFaissFile(Bytes(prefix), len, "x.index").status().code(),
                StatusCode::kDataLoss);
    }
  }
}

TEST(CorruptInputTest, UnknownFourcc) {
  std::string bytes = SmallIdMapIvf();
  std::string hnsw = bytes;
  hnsw.replace(0, 4, "IHNp");
  Status s = ReadStatus(hnsw);
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(), "x.index: offset 0: index type \"IHNp\" is not supported by this reader");
  std::string nested = bytes;
  nested.replace(kQuantizer, 4, "IHNp");
  EXPECT_EQ(ReadStatus(nested).message(),
            "x.index: offset 90: index type \"IHNp\" is not supported by this reader");
  std::string binary = bytes;
  Put<uint32_t>(binary, 0, 0x01020304u);
  EXPECT_EQ(ReadStatus(binary).message(),
            "x.index: offset 0: expected an index type fourcc, found 0x01020304");
  std::string null_lists = bytes;
  null_lists.replace(kLists, 4, "il00");
  EXPECT_EQ(ReadStatus(null_lists).message(),
            "x.index: offset " + std::to_string(kLists) +
                ": inverted lists type \"il00\" is not supported by this reader");
}

TEST(CorruptInputTest, CorruptHeaderFields) {
  const std::string bytes = SmallIdMapIvf();
  std::string s = bytes;
  Put<int32_t>(s, 4, 0);
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset 4: expected dimension d in [1, 1048576], found 0");
  s = bytes;
  Put<int64_t>(s, 8, -3);
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset 8: expected ntotal >= 0, found -3");
  s = bytes;
  Put<uint8_t>(s, 32, 2);
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset 32: expected is_trained 0 or 1, found 2");
  s = bytes;
  Put<int32_t>(s, 33, 99);
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset 33: expected a Faiss metric_type (0-4 or 20-25), found 99");
  s = bytes;
  Put<int64_t>(s, 8, 31);  // IDMap ntotal no longer matches its inner index
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset 45: expected inner index ntotal = 31, found 30");
}

TEST(CorruptInputTest, CorruptSizes) {
  const std::string bytes = SmallIdMapIvf();
  std::string s = bytes;
  Put<uint64_t>(s, kQuantizer + 37, uint64_t{1} << 61);  // quantizer nwords
  Status st = ReadStatus(s);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(st.message().starts_with(
      "x.index: offset 127: expected size of flat vectors (float32 words) with "
      "at most "))
      << st.message();
  s = bytes;
  Put<uint64_t>(s, kQuantizer + 37, 15);
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset 127: expected nwords = ntotal·d = 4·4, found 15");
  s = bytes;
  Put<uint64_t>(s, kIvf + 37, 5);  // IVF nlist 5, quantizer and lists say 4
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset " + std::to_string(kLists + 4) +
                ": expected inverted lists nlist = 5 (the IVF nlist), found 4");
  s = bytes;
  Put<uint64_t>(s, kLists + 12, 12);
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset " + std::to_string(kLists + 12) +
                                         ": expected IVF-Flat code_size = 4·d = 16, found 12");
  s = bytes;
  Put<uint8_t>(s, kDirectMap, 3);
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset " + std::to_string(kDirectMap) +
                                         ": expected direct map type 0, 1 or 2, found 3");
  s = bytes;
  s.replace(kLists + 20, 4, "abcd");
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset " + std::to_string(kLists + 20) +
                ": expected list layout \"full\" or \"sprs\", found \"abcd\"");
  s = bytes;
  s.push_back('\0');
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset " + std::to_string(bytes.size()) +
                                         ": expected end of data, found 1 trailing bytes");
}

TEST(CorruptInputTest, ListSizesAndIds) {
  const std::string bytes = SmallIdMapIvf();
  const std::string layout = bytes.substr(kLists + 20, 4);
  const size_t sizes = kLists + 32;  // first u64 after the sizes vector count
  std::string s = bytes;
  if (layout == "full") {
    Put<uint64_t>(s, sizes, uint64_t{1} << 40);  // absurd list size
    Status st = ReadStatus(s);
    EXPECT_EQ(st.code(), StatusCode::kDataLoss);
    EXPECT_NE(st.message().find(
                  "expected codes and ids of list 0 (1099511627776 entries of 16 + 8 bytes)"),
              std::string::npos)
        << st.message();
  }
  // An inner IVF id outside [0, ntotal) under IDMap.
  s = bytes;
  const size_t count = At<uint64_t>(bytes, kLists + 24);
  const size_t first_list_size =
      layout == "full" ? At<uint64_t>(bytes, sizes) : At<uint64_t>(bytes, sizes + 8);
  const size_t first_ids = kLists + 32 + 8 * count + first_list_size * 16;
  ASSERT_GE(At<int64_t>(bytes, first_ids), 0);
  Put<int64_t>(s, first_ids, 30);
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset " + std::to_string(first_ids) +
                ": expected internal ids in [0, 30) in the inner IVF lists, found id 30 "
                "in list " +
                std::to_string(layout == "full" ? 0 : At<uint64_t>(bytes, sizes)));
}

TEST(CorruptInputTest, SparseLayoutChecks) {
  const std::string bytes = SparseIvf();
  const size_t lists = 4 + 33 + 16 + (4 + 33 + 8 + 8 * 2 * 4) + 9;
  ASSERT_EQ(bytes.substr(lists + 20, 4), "sprs");
  ASSERT_EQ(At<uint64_t>(bytes, lists + 24), 4u);  // (0, 1), (7, 1)
  ASSERT_EQ(At<uint64_t>(bytes, lists + 48), 7u);
  std::string s = bytes;
  Put<uint64_t>(s, lists + 48, 8);  // list_no 8 >= nlist
  EXPECT_EQ(ReadStatus(s).message(), "x.index: offset " + std::to_string(lists + 48) +
                                         ": expected list_no < nlist = 8, found 8");
  s = bytes;
  Put<uint64_t>(s, lists + 48, 0);  // list 0 twice
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset " + std::to_string(lists + 24) +
                ": expected each list_no at most once in the sparse sizes, found list 0 twice");
  s = bytes;
  Put<uint64_t>(s, lists + 24, 3);
  EXPECT_EQ(ReadStatus(s).message(),
            "x.index: offset " + std::to_string(lists + 24) +
                ": expected an even number of (list_no, size) values, found 3");
  // Pairs out of order are accepted (the data still follows list order).
  s = bytes;
  Put<uint64_t>(s, lists + 32, 7);
  Put<uint64_t>(s, lists + 48, 0);
  EXPECT_TRUE(ReadStatus(s).ok());
}

TEST(CorruptInputTest, RandomByteDamageNeverCrashes) {
  const std::string bytes = SmallIdMapIvf();
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<size_t> pos(0, bytes.size() - 1);
  std::uniform_int_distribution<int> value(0, 255), flips(1, 4);
  size_t rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s = bytes;
    for (int f = flips(rng); f > 0; --f) s[pos(rng)] = static_cast<char>(value(rng));
    auto read = ReadFaissIndex(Bytes(s), s.size(), "x.index");
    auto described = DescribeFaissFile(Bytes(s), s.size(), "x.index");
    if (!read.ok()) {
      ++rejected;
      EXPECT_TRUE(read.status().code() == StatusCode::kDataLoss ||
                  read.status().code() == StatusCode::kUnimplemented)
          << read.status().ToString();
    } else {
      EXPECT_TRUE(described.ok());
    }
  }
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace kiln::format
