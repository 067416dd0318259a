// IxPq and the ProductQuantizer block: exact layout, round trip, inspect and
// corrupt input.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/inspect.h"
#include "kiln/format/faiss/pq_records.h"
#include "kiln/index/pq_index.h"

namespace kiln::format {
namespace {

using testing::At;
using testing::Bytes;
using testing::RandomVectors;
using testing::Serialize;
using testing::TestEnv;

std::unique_ptr<index::PqIndex> SmallPq(Metric metric, size_t nbits, size_t n = 300) {
  TestEnv env;
  auto idx = std::make_unique<index::PqIndex>(8, metric, 4, nbits);
  auto x = RandomVectors(n, 8, 3);
  EXPECT_TRUE(idx->Train(x.data(), n, env.ctx).ok());
  EXPECT_TRUE(idx->Add(x.data(), n, env.ctx).ok());
  return idx;
}

// fourcc + header + (24 + 8 + 4·d·ksub) + (8 + ntotal·code_size) + 4 + 1 + 4
size_t ExpectedSize(size_t d, size_t nbits, size_t ntotal, size_t code_size) {
  return 4 + 33 + 24 + 8 + 4 * (d << nbits) + 8 + ntotal * code_size + 9;
}

TEST(PqFormat, LayoutFieldsAndSize) {
  for (size_t nbits : {4, 8}) {
    auto idx = SmallPq(Metric::kL2, nbits);
    const std::string bytes = Serialize(*idx);
    ASSERT_EQ(bytes.size(), ExpectedSize(8, nbits, 300, idx->code_size()));
    EXPECT_EQ(bytes.substr(0, 4), "IxPq");
    EXPECT_EQ(At<uint64_t>(bytes, 37), 8u);       // d
    EXPECT_EQ(At<uint64_t>(bytes, 45), 4u);       // M
    EXPECT_EQ(At<uint64_t>(bytes, 53), nbits);    // nbits
    EXPECT_EQ(At<uint64_t>(bytes, 61), 8u << nbits);
    const size_t tail = bytes.size() - 9;
    EXPECT_EQ(At<int32_t>(bytes, tail), 0);                        // search_type
    EXPECT_EQ(At<uint8_t>(bytes, tail + 4), 0);                    // encode_signs
    EXPECT_EQ(At<int32_t>(bytes, tail + 5), int32_t(4 * nbits + 1));  // polysemous_ht
  }
}

TEST(PqFormat, RoundTripSearchesAndRewritesIdentically) {
  TestEnv env;
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    for (size_t nbits : {3, 8, 12}) {
      auto idx = SmallPq(metric, nbits, nbits == 12 ? 4200 : 300);
      const std::string bytes = Serialize(*idx);
      auto read = ReadFaissIndex(Bytes(bytes), bytes.size(), "pq.index");
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      auto* back = dynamic_cast<index::PqIndex*>(read->get());
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(back->Describe(), idx->Describe());
      EXPECT_EQ(back->metric(), metric);
      EXPECT_EQ(back->codes(), idx->codes());
      EXPECT_EQ(Serialize(*back), bytes);
      auto q = RandomVectors(5, 8, 9);
      std::vector<float> d1(50), d2(50);
      std::vector<idx_t> l1(50), l2(50);
      ASSERT_TRUE(idx->Search(q.data(), 5, 10, {}, d1.data(), l1.data(), env.ctx).ok());
      ASSERT_TRUE(back->Search(q.data(), 5, 10, {}, d2.data(), l2.data(), env.ctx).ok());
      EXPECT_EQ(d1, d2);
      EXPECT_EQ(l1, l2);
    }
  }
}

TEST(PqFormat, InspectPrintsShape) {
  auto idx = SmallPq(Metric::kL2, 4);
  const std::string bytes = Serialize(*idx);
  auto text = DescribeFaissFile(Bytes(bytes), bytes.size(), "pq.index");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("IxPq IndexPQ at offset 0"), std::string::npos) << *text;
  EXPECT_NE(text->find("M 4, nbits 4, code_size 2"), std::string::npos) << *text;
}

TEST(PqFormat, UntrainedIsNotWritten) {
  index::PqIndex idx(8, Metric::kL2, 4);
  StringSink sink;
  EXPECT_EQ(WriteFaissIndex(idx, sink).code(), StatusCode::kFailedPrecondition);
}

template <typename T>
void Put(std::string& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

StatusCode ReadCode(const std::string& bytes) {
  return ReadFaissIndex(Bytes(bytes), bytes.size(), "bad.index").status().code();
}

TEST(PqFormat, CorruptOrUnsupportedFields) {
  const std::string good = Serialize(*SmallPq(Metric::kL2, 4));
  ASSERT_EQ(ReadCode(good), StatusCode::kOk);
  std::string b = good;
  Put<uint64_t>(b, 45, 3);  // M does not divide d
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  b = good;
  Put<uint64_t>(b, 45, 0);
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  b = good;
  Put<uint64_t>(b, 53, 25);  // nbits beyond Faiss's 24
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  b = good;
  Put<uint64_t>(b, 53, 13);  // valid Faiss, beyond kiln
  EXPECT_EQ(ReadCode(b), StatusCode::kUnimplemented);
  b = good;
  Put<uint64_t>(b, 53, 5);  // centroid count no longer d·2^nbits
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  b = good;
  Put<uint64_t>(b, 37, 16);  // PQ d differs from the header's
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  b = good;
  Put<int32_t>(b, b.size() - 9, 1);  // search_type other than ST_PQ
  EXPECT_EQ(ReadCode(b), StatusCode::kUnimplemented);
  b = good;
  const size_t codes_at = 61 + 8 + 4 * (8 << 4);
  Put<uint64_t>(b, codes_at, 599);  // not ntotal·code_size
  EXPECT_EQ(ReadCode(b), StatusCode::kDataLoss);
  for (size_t cut : {size_t{40}, size_t{70}, good.size() - 1})
    EXPECT_EQ(ReadCode(good.substr(0, cut)), StatusCode::kDataLoss) << cut;
}

}  // namespace
}  // namespace kiln::format
