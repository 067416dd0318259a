#include "kiln/quant/sq/sq_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kiln::quant {
namespace {

// Every type, every metric, dimensions around the 16-lane blocks: the active
// SIMD level agrees with the scalar reference to float rounding.
TEST(SqDistance, SimdMatchesScalarReference) {
  ThreadPool pool(1);
  const SqType types[] = {SqType::k8bit, SqType::k4bit, SqType::k8bitUniform,
                          SqType::k4bitUniform, SqType::kFp16, SqType::k8bitDirect,
                          SqType::k6bit, SqType::kBf16};
  if (simd::ActiveSimdLevel() < simd::SimdLevel::kAvx512)
    GTEST_SKIP() << "no AVX-512 on this CPU (or lowered by KILN_SIMD)";
  std::mt19937_64 rng(7);
  for (SqType type : types) {
    for (size_t d : {1u, 5u, 15u, 16u, 17u, 31u, 64u, 100u}) {
      SCOPED_TRACE(std::string(SqFactoryName(type)) + " d=" + std::to_string(d));
      const size_t n = 50;
      const bool direct = type == SqType::k8bitDirect;
      std::uniform_real_distribution<float> u(direct ? 0 : -1, direct ? 255 : 3);
      std::vector<float> x(n * d), q(d);
      for (float& v : x) v = u(rng);
      for (float& v : q) v = u(rng);
      ScalarQuantizer sq(d, type);
      ASSERT_TRUE(sq.Train(x.data(), n, pool).ok());
      std::vector<uint8_t> codes(n * sq.code_size());
      sq.Encode(x.data(), n, codes.data(), pool);
      for (bool ip : {false, true}) {
        SqDistanceComputer ref(sq, ip, simd::SimdLevel::kScalar);
        SqDistanceComputer fast(sq, ip, simd::SimdLevel::kAvx512);
        ref.SetQuery(q.data());
        fast.SetQuery(q.data());
        std::vector<float> a(n), b(n);
        ref.ToCodes(codes.data(), n, a.data());
        fast.ToCodes(codes.data(), n, b.data());
        std::vector<float> y(d);
        for (size_t j = 0; j < n; ++j) {
          sq.DecodeOne(codes.data() + j * sq.code_size(), y.data());
          float bound = 0;  // sum of |terms| bounds the rounding
          for (size_t i = 0; i < d; ++i)
            bound += ip ? std::abs(q[i] * y[i]) : (q[i] - y[i]) * (q[i] - y[i]);
          ASSERT_NEAR(a[j], b[j], 1e-5f * bound + 1e-6f) << (ip ? "IP" : "L2") << " code " << j;
        }
      }
    }
  }
}

TEST(SqDistance, ScalarEqualsDistanceToDecodedVector) {
  ThreadPool pool(1);
  const size_t n = 20, d = 9;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(n * d), q(d);
  for (float& v : x) v = u(rng);
  for (float& v : q) v = u(rng);
  ScalarQuantizer sq(d, SqType::k6bit);
  ASSERT_TRUE(sq.Train(x.data(), n, pool).ok());
  std::vector<uint8_t> codes(n * sq.code_size());
  sq.Encode(x.data(), n, codes.data(), pool);
  SqDistanceComputer dc(sq, false, simd::SimdLevel::kScalar);
  dc.SetQuery(q.data());
  std::vector<float> out(n), y(d);
  dc.ToCodes(codes.data(), n, out.data());
  for (size_t j = 0; j < n; ++j) {
    sq.DecodeOne(codes.data() + j * sq.code_size(), y.data());
    float acc = 0;
    for (size_t i = 0; i < d; ++i) acc += (q[i] - y[i]) * (q[i] - y[i]);
    EXPECT_EQ(out[j], acc);
  }
}

}  // namespace
}  // namespace kiln::quant
