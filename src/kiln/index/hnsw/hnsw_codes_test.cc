#include "kiln/index/hnsw/hnsw_codes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kiln/simd/simd_level.h"

namespace kiln::index::hnsw {
namespace {

TEST(HnswCodesTest, Avx512KernelsMatchScalar) {
  if (simd::DetectedSimdLevel() != simd::SimdLevel::kAvx512) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t d : {1, 7, 31, 32, 33, 63, 64, 65, 100, 784, 1000}) {
    std::vector<uint8_t> a(d), b(d);
    for (size_t i = 0; i < d; ++i) {
      a[i] = static_cast<uint8_t>(byte(rng));
      b[i] = static_cast<uint8_t>(byte(rng));
    }
    a[0] = 255;
    b[0] = 0;  // the largest difference
    EXPECT_EQ(U8KernelsAvx512().l2sqr(a.data(), b.data(), d), U8KernelsScalar().l2sqr(a.data(), b.data(), d)) << d;
    EXPECT_EQ(U8KernelsAvx512().dot(a.data(), b.data(), d), U8KernelsScalar().dot(a.data(), b.data(), d)) << d;
  }
}

TEST(HnswCodesTest, IntegerPixelsAreExactAndFloatsApproximate) {
  ThreadPool pool(2);
  const size_t n = 50, d = 20;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::vector<float> x(n * d);
  for (float& v : x) v = static_cast<float>(pixel(rng));
  x[0] = 0;
  x[1] = 255;
  const FloatSpace rows(x.data(), n, nullptr, d, false);
  const BuildCodes exact(rows, n, d, false, pool);
  EXPECT_TRUE(exact.exact());
  FloatSpace q = rows;
  q.SetQueryNode(3);
  for (int32_t j = 0; j < 10; ++j) {
    float want;
    q.ToNodes(&j, 1, &want);
    EXPECT_EQ(exact.Distance(3, j), want);
  }
  std::normal_distribution<float> normal(0, 1);
  for (float& v : x) v = normal(rng);
  const BuildCodes lossy(rows, n, d, false, pool);
  EXPECT_FALSE(lossy.exact());
  const BuildCodes ip(rows, n, d, true, pool);
  const FloatSpace ip_rows(x.data(), n, nullptr, d, true);
  for (int32_t j = 0; j < 10; ++j) {
    q.SetQueryNode(3);
    float want;
    q.ToNodes(&j, 1, &want);
    EXPECT_NEAR(lossy.Distance(3, j), want, 0.05f * want + 0.05f);
    FloatSpace p = ip_rows;
    p.SetQueryNode(3);
    p.ToNodes(&j, 1, &want);
    EXPECT_NEAR(ip.Distance(3, j), want, 0.3f);
  }
}

TEST(HnswCodesTest, FineCodesGiveFloatDistancesInTwoPasses) {
  ThreadPool pool(2);
  const size_t n = 300, d = 37;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(n * d);
  for (float& v : x) v = normal(rng);
  for (bool ip : {false, true}) {
    // Block by block (two passes) as AddOwned streams its input.
    BuildCodes codes(n, d, ip);
    FineCodes fine(n, d, ip);
    codes.ObserveRange(x.data(), 100, pool);
    codes.ObserveRange(x.data() + 100 * d, n - 100, pool);
    codes.FinishRange();
    for (size_t b : {0, 100}) {
      const size_t m = b == 0 ? 100 : n - 100;
      EXPECT_FALSE(codes.Encode(x.data() + b * d, b, m, pool));
      fine.Encode(codes, x.data() + b * d, b, m, pool);
    }
    // The same codes as the one-pass constructor.
    const BuildCodes whole(FloatSpace(x.data(), n, nullptr, d, ip), n, d, ip, pool);
    for (int32_t i = 0; i < static_cast<int32_t>(n); i += 37)
      EXPECT_TRUE(std::equal(codes.code(i), codes.code(i) + d, whole.code(i))) << i;
    FloatSpace rows(x.data(), n, nullptr, d, ip);
    FineSpace space(fine);
    rows.SetQueryNode(5);
    space.SetQueryNode(5);
    for (int32_t j = 0; j < 50; ++j) {
      float want, got;
      rows.ToNodes(&j, 1, &want);
      space.ToNodes(&j, 1, &got);
      EXPECT_NEAR(got, want, 1e-3f * (std::abs(want) + 1)) << (ip ? "ip " : "l2 ") << j;
    }
    // Decoding gives the rows back within half an 8-bit step.
    std::vector<float> decoded(n * d);
    codes.Decode(0, n, decoded.data(), pool);
    for (size_t i = 0; i < n * d; ++i) ASSERT_NEAR(decoded[i], x[i], codes.range() / 255 * 0.51f);
  }
}

}  // namespace
}  // namespace kiln::index::hnsw
