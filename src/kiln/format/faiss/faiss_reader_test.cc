#include "kiln/format/faiss/faiss_reader.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::format {
namespace {

using testing::BuildIndex;
using testing::Bytes;
using testing::Put;
using testing::RandomVectors;
using testing::Serialize;
using testing::TestEnv;

struct RoundTripCase {
  const char* factory;
  Metric metric;
};

class RoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, ReadBackSearchesIdenticallyAndRewritesSameBytes) {
  const auto [factory, metric] = GetParam();
  const size_t n = 1200, d = 12, nq = 30, k = 10;
  auto original = BuildIndex(factory, n, d, metric);
  const std::string bytes = Serialize(*original);
  auto read = ReadFaissIndex(Bytes(bytes), bytes.size(), "rt.index");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const index::Index& loaded = **read;
  EXPECT_EQ(loaded.Describe(), original->Describe());
  EXPECT_EQ(loaded.ntotal(), n);
  EXPECT_EQ(loaded.d(), d);
  EXPECT_EQ(loaded.metric(), metric == Metric::kL2 ? Metric::kL2 : Metric::kInnerProduct);
  EXPECT_EQ(Serialize(loaded), bytes);

  // Cosine files are IP over unit vectors: search them with unit queries.
  std::vector<float> q = RandomVectors(nq, d, 99);
  std::vector<float> qn =
      metric == Metric::kCosine ? index::testing::Normalized(q.data(), nq, d) : q;
  TestEnv env;
  for (size_t nprobe : {1, 3, 64}) {
    std::vector<float> d1(nq * k), d2(nq * k);
    std::vector<idx_t> l1(nq * k), l2(nq * k);
    ASSERT_TRUE(
        original->Search(q.data(), nq, k, {.nprobe = nprobe}, d1.data(), l1.data(), env.ctx).ok());
    ASSERT_TRUE(
        loaded.Search(qn.data(), nq, k, {.nprobe = nprobe}, d2.data(), l2.data(), env.ctx).ok());
    EXPECT_EQ(l1, l2) << "nprobe " << nprobe;
    if (metric == Metric::kCosine) {
      EXPECT_TRUE(
          index::testing::SameResults(d1.data(), l1.data(), d2.data(), l2.data(), nq, k, 1e-5f));
    } else {
      EXPECT_EQ(d1, d2);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Indexes, RoundTripTest,
                         ::testing::Values(RoundTripCase{"Flat", Metric::kL2},
                                           RoundTripCase{"Flat", Metric::kInnerProduct},
                                           RoundTripCase{"Flat", Metric::kCosine},
                                           RoundTripCase{"IVF16,Flat", Metric::kL2},
                                           RoundTripCase{"IVF16,Flat", Metric::kInnerProduct},
                                           RoundTripCase{"IVF64,Flat", Metric::kCosine},
                                           RoundTripCase{"IDMap,Flat", Metric::kL2},
                                           RoundTripCase{"IDMap,IVF16,Flat", Metric::kInnerProduct},
                                           RoundTripCase{"IDMap,IVF64,Flat", Metric::kL2}),
    [](const auto& info) {
      std::string name = info.param.factory;
      std::replace(name.begin(), name.end(), ',', '_');
      return name + "_" + std::string(MetricName(info.param.metric));
    });

TEST(FaissReaderTest, SparseListsRoundTrip) {
  // 256 lists over 100 vectors: at most 100 non-empty, so "sprs".
  std::vector<float> centroids = RandomVectors(256, 4, 5);
  auto sparse = index::IvfFlatIndex::FromParts(
                    Metric::kL2, index::FlatIndex::FromVectors(4, Metric::kL2, centroids).value(),
                    index::InvertedLists(256, 16), 0, 1)
                    .value();
  TestEnv env;
  std::vector<float> x = RandomVectors(100, 4, 6);
  ASSERT_TRUE(sparse->Add(x.data(), 100, env.ctx).ok());
  ASSERT_LE(sparse->lists().nonempty_lists(), 128u);
  const std::string bytes = Serialize(*sparse);
  EXPECT_NE(bytes.find("sprs"), std::string::npos);
  auto read = ReadFaissIndex(Bytes(bytes), bytes.size(), "s.index");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(Serialize(**read), bytes);
}

TEST(FaissReaderTest, AcceptsIxM2AndIxFl) {
  std::string map = Serialize(*BuildIndex("IDMap,Flat", 20, 4, Metric::kL2));
  map.replace(0, 4, "IxM2");
  auto read = ReadFaissIndex(Bytes(map), map.size(), "m2.index");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ((*read)->Describe(), "IDMap,Flat");

  std::string flat = Serialize(*BuildIndex("Flat", 20, 4, Metric::kInnerProduct));
  flat.replace(0, 4, "IxFl");
  auto fl = ReadFaissIndex(Bytes(flat), flat.size(), "fl.index");
  ASSERT_TRUE(fl.ok()) << fl.status().ToString();
  EXPECT_EQ((*fl)->metric(), Metric::kInnerProduct);
}

TEST(FaissReaderTest, OtherMetricsAreUnimplemented) {
  // IxFl with METRIC_L1: the header grows a metric_arg float.
  StringSink sink;
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccFlat).ok());
  FaissIndexHeader header;
  header.d = 2;
  header.ntotal = 1;
  header.is_trained = true;
  header.metric_type = 2;
  header.metric_arg = 0;
  ASSERT_TRUE(WriteIndexHeader(sink, header).ok());
  const float v[2] = {1, 2};
  ASSERT_TRUE(WriteVector<float>(sink, v, 2).ok());
  EXPECT_EQ(sink.data().size(), 4u + 37 + 8 + 8);
  auto read = ReadFaissIndex(Bytes(sink.data()), sink.data().size(), "l1.index");
  EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(read.status().message(),
            "l1.index: offset 33: metric_type 2 (L1) is not supported by this reader");
}

TEST(FaissReaderTest, UntrainedIvfIsUnimplemented) {
  // Hand-written untrained IwFl: empty quantizer, all lists empty (sparse).
  StringSink sink;
  FaissIndexHeader h;
  h.d = 2;
  h.ntotal = 0;
  h.is_trained = false;
  h.metric_type = 1;
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccIvfFlat).ok());
  ASSERT_TRUE(WriteIndexHeader(sink, h).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 4).ok());  // nlist
  ASSERT_TRUE(WriteField<uint64_t>(sink, 1).ok());  // nprobe
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccFlatL2).ok());
  h.is_trained = true;
  ASSERT_TRUE(WriteIndexHeader(sink, h).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 0).ok());  // nwords
  ASSERT_TRUE(WriteField<uint8_t>(sink, 0).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 0).ok());
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccArrayLists).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 4).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 8).ok());
  ASSERT_TRUE(WriteField<uint32_t>(sink, kFourccListsSparse).ok());
  ASSERT_TRUE(WriteField<uint64_t>(sink, 0).ok());
  auto read = ReadFaissIndex(Bytes(sink.data()), sink.data().size(), "u.index");
  EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(read.status().message(),
            "u.index: offset 53: an untrained IVF index (its coarse quantizer is empty) is not "
            "supported by this "
            "reader");
}

}  // namespace
}  // namespace kiln::format
