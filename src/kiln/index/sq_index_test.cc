#include "kiln/index/sq_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "kiln/index/index_test_support.h"
#include "kiln/index/ivf_sq_index.h"

namespace kiln::index {
namespace {

using quant::SqType;
using testing::BruteForceKnn;
using testing::ClusteredVectors;
using testing::TestEnv;

constexpr size_t kN = 3000, kD = 24, kNq = 50, kK = 10;

double Recall(const Index& idx, const std::vector<float>& x, const std::vector<float>& q,
              size_t nprobe) {
  TestEnv env;
  std::vector<float> ed(kNq * kK), kd(kNq * kK);
  std::vector<idx_t> el(kNq * kK), kl(kNq * kK);
  BruteForceKnn(q.data(), kNq, x.data(), kN, kD, idx.metric(), kK, ed.data(), el.data());
  EXPECT_TRUE(idx.Search(q.data(), kNq, kK, {.nprobe = nprobe}, kd.data(), kl.data(), env.ctx).ok());
  size_t hits = 0;
  for (size_t i = 0; i < kNq; ++i)
    for (size_t a = 0; a < kK; ++a)
      for (size_t b = 0; b < kK; ++b) hits += el[i * kK + a] == kl[i * kK + b];
  return double(hits) / double(kNq * kK);
}

struct Case {
  SqType type;
  double min_recall;
};

class SqIndexTest : public ::testing::TestWithParam<Metric> {};

TEST_P(SqIndexTest, FlatAndIvfReachRecallFloor) {
  const Metric metric = GetParam();
  std::vector<float> x = ClusteredVectors(kN, kD, 30, 1.0f, 5);
  std::vector<float> q = ClusteredVectors(kNq, kD, 30, 1.0f, 5);  // same centres
  for (Case c : {Case{SqType::k8bit, 0.85}, Case{SqType::k4bit, 0.5}, Case{SqType::kFp16, 0.97},
                 Case{SqType::k6bit, 0.75}, Case{SqType::k8bitUniform, 0.8},
                 Case{SqType::kBf16, 0.9}}) {
    SCOPED_TRACE(std::string(quant::SqFactoryName(c.type)) + " " + std::string(MetricName(metric)));
    // Unit vectors spread less than the raw data: coarse codes lose more.
    if (metric == Metric::kCosine) c.min_recall *= 0.75;
    TestEnv env;
    ScalarQuantizerIndex flat(kD, metric, c.type);
    ASSERT_TRUE(flat.Train(x.data(), kN, env.ctx).ok());
    ASSERT_TRUE(flat.Add(x.data(), kN, env.ctx).ok());
    EXPECT_EQ(flat.ntotal(), kN);
    EXPECT_GE(Recall(flat, x, q, 1), c.min_recall);
    for (bool residual : {true, false}) {
      IvfScalarQuantizerIndex ivf(kD, metric, 16, c.type, {}, residual);
      EXPECT_EQ(ivf.Describe(), "IVF16," + std::string(quant::SqFactoryName(c.type)));
      ASSERT_TRUE(ivf.Train(x.data(), kN, env.ctx).ok());
      ASSERT_TRUE(ivf.Add(x.data(), kN, env.ctx).ok());
      EXPECT_EQ(ivf.lists().total_size(), kN);
      EXPECT_EQ(ivf.code_size(), quant::ScalarQuantizer::CodeSize(c.type, kD));
      EXPECT_GE(Recall(ivf, x, q, 16), c.min_recall) << "by_residual " << residual;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, SqIndexTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(SqIndex, ErrorsNameTheIndex) {
  TestEnv env;
  std::vector<float> x = ClusteredVectors(100, 4, 3, 1.0f, 1);
  ScalarQuantizerIndex sq(4, Metric::kL2, SqType::k8bit);
  EXPECT_EQ(sq.Describe(), "SQ8");
  EXPECT_FALSE(sq.is_trained());
  EXPECT_EQ(sq.Add(x.data(), 100, env.ctx).message(),
            "SQ8: add of 100 vectors before the index is trained (call Train first)");
  ScalarQuantizerIndex fp16(4, Metric::kL2, SqType::kFp16);
  EXPECT_TRUE(fp16.is_trained());  // nothing to train
  IvfScalarQuantizerIndex ivf(4, Metric::kL2, 8, SqType::k4bit);
  EXPECT_FALSE(ivf.is_trained());
  EXPECT_EQ(ivf.Train(x.data(), 5, env.ctx).message(),
            "IVF8,SQ4: train: 5 training vectors is fewer than nlist = 8 (need n >= nlist)");
  ASSERT_TRUE(ivf.Train(x.data(), 100, env.ctx).ok());
  EXPECT_TRUE(ivf.is_trained());
  ASSERT_TRUE(ivf.Add(x.data(), 100, env.ctx).ok());
  EXPECT_EQ(ivf.Train(x.data(), 100, env.ctx).code(), StatusCode::kFailedPrecondition);
}

// Residual codes: the stored codes decode to x - centroid of their list.
TEST(SqIndex, IvfStoresResidualCodes) {
  TestEnv env;
  const size_t n = 500, d = 8;
  std::vector<float> x = ClusteredVectors(n, d, 4, 0.5f, 2);
  IvfScalarQuantizerIndex ivf(d, Metric::kL2, 4, SqType::kFp16);
  ASSERT_TRUE(ivf.Train(x.data(), n, env.ctx).ok());
  ASSERT_TRUE(ivf.Add(x.data(), n, env.ctx).ok());
  std::vector<float> y(d);
  for (size_t l = 0; l < 4; ++l) {
    const float* c = ivf.quantizer()->vectors() + l * d;
    for (size_t e = 0; e < ivf.lists().list_size(l); ++e) {
      ivf.sq().DecodeOne(ivf.lists().codes(l) + e * ivf.code_size(), y.data());
      const float* xi = x.data() + ivf.lists().ids(l)[e] * d;
      for (size_t j = 0; j < d; ++j) ASSERT_NEAR(y[j] + c[j], xi[j], 1e-2f);
    }
  }
}

}  // namespace
}  // namespace kiln::index
