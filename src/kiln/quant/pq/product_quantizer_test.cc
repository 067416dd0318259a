#include "kiln/quant/pq/product_quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kiln/quant/pq/pq_scan.h"

namespace kiln::quant {
namespace {

struct Env {
  explicit Env(int threads = 2) : pool(threads) { ctx.pool = &pool; }
  ThreadPool pool;
  ExecContext ctx;
};

std::vector<float> Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  return x;
}

ProductQuantizer Trained(size_t d, size_t M, size_t nbits, const std::vector<float>& x,
                         Env& env, bool parallel = true) {
  auto pq = ProductQuantizer::Create(d, M, nbits);
  EXPECT_TRUE(pq.ok()) << pq.status().ToString();
  PqTrainParams params;
  params.parallel_subspaces = parallel;
  const Status s = pq->Train(x.data(), x.size() / d, params, env.ctx);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::move(pq).value();
}

TEST(ProductQuantizer, RejectsBadShapesNamingValues) {
  auto bad = ProductQuantizer::Create(30, 16, 8);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "The dimension of the vector (d = 30) should be a multiple of the number of "
            "subquantizers (M = 16)");
  EXPECT_FALSE(ProductQuantizer::Create(32, 0, 8).ok());
  EXPECT_FALSE(ProductQuantizer::Create(32, 4, 0).ok());
  auto too_many = ProductQuantizer::Create(32, 4, 13);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("found 13"), std::string::npos);
  EXPECT_TRUE(ProductQuantizer::Create(32, 4, 12).ok());
  EXPECT_FALSE(ProductQuantizer::FromCentroids(8, 2, 2, std::vector<float>(7)).ok());
}

TEST(ProductQuantizer, TrainNeedsKsubPoints) {
  Env env;
  auto pq = ProductQuantizer::Create(8, 2, 8).value();
  auto x = Random(100 * 8, 1);
  const Status s = pq.Train(x.data(), 100, {}, env.ctx);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(pq.is_trained());
}

TEST(ProductQuantizer, CodeSizes) {
  EXPECT_EQ(ProductQuantizer::Create(64, 16, 8)->code_size(), 16u);
  EXPECT_EQ(ProductQuantizer::Create(64, 16, 4)->code_size(), 8u);
  EXPECT_EQ(ProductQuantizer::Create(63, 7, 5)->code_size(), 5u);  // 35 bits
  EXPECT_EQ(ProductQuantizer::Create(60, 5, 12)->code_size(), 8u);  // 60 bits
}

// LSB-first packing as Faiss's PQEncoderGeneric: index m at bit m·nbits.
TEST(ProductQuantizer, BitPackingMatchesFaissLayout) {
  for (size_t nbits : {4, 5, 8, 12}) {
    const size_t M = 7;
    auto pq = ProductQuantizer::Create(M * 2, M, nbits).value();
    std::mt19937 rng(nbits);
    std::vector<uint32_t> idx(M), back(M);
    for (int trial = 0; trial < 50; ++trial) {
      for (auto& v : idx) v = rng() % pq.ksub();
      std::vector<uint8_t> code(pq.code_size(), 0xAA);
      pq.PackCode(idx.data(), code.data());
      // Reference: bit by bit.
      std::vector<uint8_t> ref(pq.code_size(), 0);
      for (size_t m = 0; m < M; ++m)
        for (size_t b = 0; b < nbits; ++b)
          if (idx[m] >> b & 1) ref[(m * nbits + b) / 8] |= uint8_t(1u << ((m * nbits + b) % 8));
      ASSERT_EQ(code, ref) << "nbits " << nbits;
      pq.UnpackCode(code.data(), back.data());
      ASSERT_EQ(back, idx);
    }
  }
  // Hand-checked: nbits 4, indices 1,2,3 → bytes 0x21, 0x03.
  auto pq4 = ProductQuantizer::Create(3, 3, 4).value();
  const uint32_t idx[3] = {1, 2, 3};
  uint8_t code[2];
  pq4.PackCode(idx, code);
  EXPECT_EQ(code[0], 0x21);
  EXPECT_EQ(code[1], 0x03);
}

class PqRoundTrip : public ::testing::TestWithParam<size_t> {};

TEST_P(PqRoundTrip, EncodeDecodeAndAdcAgree) {
  const size_t nbits = GetParam(), d = 16, M = 4, n = 6000;
  Env env;
  auto x = Random(n * d, 7);
  ProductQuantizer pq = Trained(d, M, nbits, x, env);
  ASSERT_TRUE(pq.is_trained());
  std::vector<uint8_t> codes(n * pq.code_size());
  pq.Encode(x.data(), n, codes.data(), env.pool);
  std::vector<float> y(n * d);
  pq.Decode(codes.data(), n, y.data());
  // Relative reconstruction error: more bits, less error; always < 1.
  double err = 0, norm = 0;
  for (size_t i = 0; i < n * d; ++i) {
    err += double(x[i] - y[i]) * (x[i] - y[i]);
    norm += double(x[i]) * x[i];
  }
  const double rel = err / norm;
  EXPECT_LT(rel, nbits >= 8 ? 0.3 : 0.8) << "nbits " << nbits;
  // Each code is the nearest sub-centroid in every sub-space.
  std::vector<uint32_t> idx(M);
  for (size_t i = 0; i < 200; ++i) {
    pq.UnpackCode(&codes[i * pq.code_size()], idx.data());
    for (size_t m = 0; m < M; ++m) {
      auto dist = [&](size_t j) {
        double s = 0;
        for (size_t t = 0; t < pq.dsub(); ++t) {
          const double diff = x[i * d + m * pq.dsub() + t] - pq.centroid(m, j)[t];
          s += diff * diff;
        }
        return s;
      };
      const double best = dist(idx[m]);
      for (size_t j = 0; j < pq.ksub(); ++j) ASSERT_LE(best, dist(j) * (1 + 1e-5) + 1e-6);
    }
  }
  // ADC distance = distance to the decoded vector.
  auto q = Random(3 * d, 99);
  std::vector<float> table(M * pq.ksub()), adc(n);
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    for (size_t qi = 0; qi < 3; ++qi) {
      const float* qv = q.data() + qi * d;
      pq.ComputeDistanceTable(qv, metric, table.data());
      pq.ScanCodes(table.data(), codes.data(), n, adc.data());
      for (size_t i = 0; i < n; ++i) {
        double ref = 0, mag = 0;
        for (size_t t = 0; t < d; ++t) {
          const double term = metric == Metric::kL2 ? double(qv[t] - y[i * d + t]) * (qv[t] - y[i * d + t])
                                                    : double(qv[t]) * y[i * d + t];
          ref += term;
          mag += std::abs(term);
        }
        ASSERT_NEAR(adc[i], ref, 1e-5 * mag + 1e-6) << "code " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Nbits, PqRoundTrip, ::testing::Values(4, 5, 8, 12));

TEST(ProductQuantizer, ParallelAndSequentialTrainingBothWork) {
  Env env;
  const size_t d = 8, M = 4, n = 3000;
  auto x = Random(n * d, 3);
  ProductQuantizer a = Trained(d, M, 6, x, env, true);
  ProductQuantizer b = Trained(d, M, 6, x, env, false);
  // Each sub-space runs the same seeded k-means; on one thread per k-means
  // (parallel) vs two (sequential) the centroids agree up to rounding.
  ASSERT_EQ(a.centroids().size(), b.centroids().size());
  size_t close = 0;
  for (size_t i = 0; i < a.centroids().size(); ++i)
    close += std::abs(a.centroids()[i] - b.centroids()[i]) < 1e-3f;
  EXPECT_GT(close, a.centroids().size() * 9 / 10);
}

TEST(ProductQuantizer, Scan8SimdEqualsScalarBitForBit) {
  for (size_t M : {1, 2, 3, 8, 16, 17}) {
    for (size_t n : {0, 1, 15, 16, 17, 33, 1000}) {
      auto table = Random(M * 256, M);
      std::mt19937 rng(static_cast<unsigned>(n + M));
      std::vector<uint8_t> codes(n * M);
      for (auto& c : codes) c = static_cast<uint8_t>(rng());
      std::vector<float> ref(n), got(n), gen(n);
      internal::Scan8Scalar(table.data(), M, codes.data(), n, ref.data());
      internal::Scan8For(simd::SimdLevel::kAvx512)(table.data(), M, codes.data(), n, got.data());
      internal::ScanGeneric(table.data(), M, 8, codes.data(), n, gen.data());
      ASSERT_EQ(ref, got) << "M " << M << " n " << n;
      ASSERT_EQ(ref, gen) << "M " << M << " n " << n;
    }
  }
}

TEST(ProductQuantizer, CancelledTrainingReportsCancelled) {
  Env env;
  CancelToken cancel;
  cancel.Cancel();
  env.ctx.cancel = &cancel;
  auto pq = ProductQuantizer::Create(8, 2, 4).value();
  auto x = Random(500 * 8, 5);
  for (bool parallel : {true, false}) {
    PqTrainParams params;
    params.parallel_subspaces = parallel;
    EXPECT_EQ(pq.Train(x.data(), 500, params, env.ctx).code(), StatusCode::kCancelled);
    EXPECT_FALSE(pq.is_trained());
  }
}

}  // namespace
}  // namespace kiln::quant
