// IxSQ / IwSq round trips through kiln's writer and reader, the SQbf16 gate,
// and inspect's SQ lines.
#include <gtest/gtest.h>

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/format/faiss/inspect.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/index_test_support.h"
#include "kiln/index/ivf_sq_index.h"
#include "kiln/index/sq_index.h"

namespace kiln::format {
namespace {

using index::testing::ClusteredVectors;
using index::testing::TestEnv;
using quant::SqType;

constexpr size_t kN = 600, kD = 12;

std::string Bytes(const index::Index& idx, WriteOptions options = {}) {
  StringSink sink;
  Status s = WriteFaissIndex(idx, sink, options);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.Release();
}

void ExpectSameSearch(const index::Index& a, const index::Index& b, const std::vector<float>& q) {
  TestEnv env;
  const size_t nq = q.size() / kD, k = 5;
  std::vector<float> da(nq * k), db(nq * k);
  std::vector<idx_t> la(nq * k), lb(nq * k);
  ASSERT_TRUE(a.Search(q.data(), nq, k, {.nprobe = 4}, da.data(), la.data(), env.ctx).ok());
  ASSERT_TRUE(b.Search(q.data(), nq, k, {.nprobe = 4}, db.data(), lb.data(), env.ctx).ok());
  EXPECT_EQ(la, lb);
  EXPECT_EQ(da, db);
}

TEST(SqFormat, KilnReadsWhatItWrites) {
  std::vector<float> x = ClusteredVectors(kN, kD, 8, 1.0f, 1);
  std::vector<float> q = ClusteredVectors(20, kD, 8, 1.0f, 1);
  TestEnv env;
  for (SqType type : {SqType::k8bit, SqType::k4bit, SqType::k6bit, SqType::kFp16,
                      SqType::k8bitUniform, SqType::kBf16}) {
    for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
      SCOPED_TRACE(std::string(quant::SqFactoryName(type)) + " " + std::string(MetricName(metric)));
      std::vector<std::unique_ptr<index::Index>> built;
      built.push_back(std::make_unique<index::ScalarQuantizerIndex>(kD, metric, type));
      built.push_back(std::make_unique<index::IvfScalarQuantizerIndex>(kD, metric, 8, type));
      built.push_back(std::make_unique<index::IdMapIndex>(
          std::make_unique<index::IvfScalarQuantizerIndex>(kD, metric, 8, type,
                                                           index::IvfTrainParams{}, false)));
      for (auto& idx : built) {
        ASSERT_TRUE(idx->Train(x.data(), kN, env.ctx).ok());
        if (auto* map = dynamic_cast<index::IdMapIndex*>(idx.get())) {
          std::vector<idx_t> ids(kN);
          for (size_t i = 0; i < kN; ++i) ids[i] = static_cast<idx_t>(7 * i + 3);
          ASSERT_TRUE(map->AddWithIds(x.data(), ids.data(), kN, env.ctx).ok());
        } else {
          ASSERT_TRUE(idx->Add(x.data(), kN, env.ctx).ok());
        }
        const std::string bytes = Bytes(*idx, {.allow_non_faiss_173 = true});
        auto read = ReadFaissIndex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                   "sq.index");
        ASSERT_TRUE(read.ok()) << read.status().ToString();
        EXPECT_EQ((*read)->Describe(), idx->Describe());
        EXPECT_EQ(Bytes(**read, {.allow_non_faiss_173 = true}), bytes);
        ExpectSameSearch(*idx, **read, q);
      }
    }
  }
}

TEST(SqFormat, Bf16NeedsTheOption) {
  TestEnv env;
  index::ScalarQuantizerIndex idx(4, Metric::kL2, SqType::kBf16);
  StringSink sink;
  Status s = WriteFaissIndex(idx, sink);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("SQbf16 files cannot be read by Faiss 1.7.3")) << s.message();
  index::IdMapIndex map(std::make_unique<index::IvfScalarQuantizerIndex>(4, Metric::kL2, 2,
                                                                         SqType::kBf16));
  EXPECT_EQ(WriteFaissIndex(map, sink).code(), StatusCode::kInvalidArgument);
}

TEST(SqFormat, LayoutAndInspect) {
  TestEnv env;
  std::vector<float> x = ClusteredVectors(10, 3, 2, 1.0f, 2);
  index::ScalarQuantizerIndex idx(3, Metric::kL2, SqType::k4bit);
  ASSERT_TRUE(idx.Train(x.data(), 10, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), 10, env.ctx).ok());
  const std::string bytes = Bytes(idx);
  // fourcc + header + qtype, rangestat, arg + d + code_size + trained (8+24) + codes (8+20).
  EXPECT_EQ(bytes.size(), 4u + 33 + 12 + 8 + 8 + 8 + 24 + 8 + 20);
  EXPECT_EQ(bytes.substr(0, 4), "IxSQ");
  auto text = DescribeFaissFile(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "f");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("IndexScalarQuantizer"), std::string::npos) << *text;
  EXPECT_NE(text->find("qtype 1 (SQ4), code_size 2"), std::string::npos) << *text;
}

}  // namespace
}  // namespace kiln::format
