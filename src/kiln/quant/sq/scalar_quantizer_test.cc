#include "kiln/quant/sq/scalar_quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kiln::quant {
namespace {

constexpr SqType kAllTypes[] = {SqType::k8bit,  SqType::k4bit,        SqType::k8bitUniform,
                                SqType::k4bitUniform, SqType::kFp16, SqType::k8bitDirect,
                                SqType::k6bit, SqType::kBf16};

std::vector<float> Random(size_t n, size_t d, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> x(n * d);
  for (float& v : x) v = u(rng);
  return x;
}

TEST(ScalarQuantizer, SizesFollowFaiss) {
  EXPECT_EQ(ScalarQuantizer::CodeSize(SqType::k8bit, 7), 7u);
  EXPECT_EQ(ScalarQuantizer::CodeSize(SqType::k4bit, 7), 4u);
  EXPECT_EQ(ScalarQuantizer::CodeSize(SqType::k6bit, 7), 6u);
  EXPECT_EQ(ScalarQuantizer::CodeSize(SqType::kFp16, 7), 14u);
  EXPECT_EQ(ScalarQuantizer::CodeSize(SqType::kBf16, 7), 14u);
  EXPECT_EQ(ScalarQuantizer::TrainedSize(SqType::k8bit, 7), 14u);
  EXPECT_EQ(ScalarQuantizer::TrainedSize(SqType::k4bitUniform, 7), 2u);
  EXPECT_EQ(ScalarQuantizer::TrainedSize(SqType::kFp16, 7), 0u);
}

TEST(ScalarQuantizer, TrainKeepsMinAndRange) {
  ThreadPool pool(2);
  const size_t n = 1000, d = 5;
  std::vector<float> x = Random(n, d, 1, -3, 7);
  ScalarQuantizer sq(d, SqType::k8bit);
  ASSERT_TRUE(sq.Train(x.data(), n, pool).ok());
  for (size_t j = 0; j < d; ++j) {
    float lo = x[j], hi = x[j];
    for (size_t r = 0; r < n; ++r) {
      lo = std::min(lo, x[r * d + j]);
      hi = std::max(hi, x[r * d + j]);
    }
    EXPECT_EQ(sq.trained()[j], lo);
    EXPECT_EQ(sq.trained()[d + j], hi - lo);
  }
  ScalarQuantizer uni(d, SqType::k4bitUniform);
  ASSERT_TRUE(uni.Train(x.data(), n, pool).ok());
  ASSERT_EQ(uni.trained().size(), 2u);
  EXPECT_EQ(uni.trained()[0], *std::min_element(x.begin(), x.end()));
}

// Decoded values lie within one quantization step of the input for every type.
TEST(ScalarQuantizer, DecodeIsWithinOneStep) {
  ThreadPool pool(2);
  for (SqType type : kAllTypes) {
    for (size_t d : {1u, 7u, 16u, 33u}) {
      SCOPED_TRACE(std::string(SqFactoryName(type)) + " d=" + std::to_string(d));
      const size_t n = 300;
      const bool direct = type == SqType::k8bitDirect;
      std::vector<float> x = Random(n, d, d, direct ? 0 : -2, direct ? 255 : 5);
      ScalarQuantizer sq(d, type);
      ASSERT_TRUE(sq.Train(x.data(), n, pool).ok());
      ASSERT_TRUE(sq.is_trained());
      std::vector<uint8_t> codes(n * sq.code_size());
      sq.Encode(x.data(), n, codes.data(), pool);
      std::vector<float> y(n * d);
      sq.Decode(codes.data(), n, y.data(), pool);
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < d; ++j) {
          const float v = x[r * d + j];
          float step;
          switch (type) {
            case SqType::kFp16: step = std::abs(v) / 1024 + 1e-7f; break;
            case SqType::kBf16: step = std::abs(v) / 128 + 1e-30f; break;
            case SqType::k8bitDirect: step = 1.0f; break;
            default: {
              const bool uni = type == SqType::k8bitUniform || type == SqType::k4bitUniform;
              const float vdiff = sq.trained()[uni ? 1 : d + j];
              const int levels = type == SqType::k6bit ? 63
                                 : (type == SqType::k4bit || type == SqType::k4bitUniform) ? 15
                                                                                          : 255;
              step = vdiff / levels * 1.0001f;
            }
          }
          ASSERT_LE(std::abs(y[r * d + j] - v), step) << "row " << r << " dim " << j;
        }
      }
    }
  }
}

TEST(ScalarQuantizer, PackedLayoutsMatchFaiss) {
  ThreadPool pool(1);
  // Ranges [0, 1): x = k/levels encodes to k (plus a little to stay above).
  ScalarQuantizer sq4 = ScalarQuantizer::FromTrained(3, SqType::k4bit, {0, 0, 0, 1, 1, 1}).value();
  const float x4[3] = {1.0f / 15 + 1e-4f, 2.0f / 15 + 1e-4f, 1.0f};
  uint8_t c4[2];
  sq4.EncodeOne(x4, c4);
  EXPECT_EQ(c4[0], 0x21);  // component 0 in the low nibble
  EXPECT_EQ(c4[1], 0x0f);
  ScalarQuantizer sq6 =
      ScalarQuantizer::FromTrained(4, SqType::k6bit, {0, 0, 0, 0, 1, 1, 1, 1}).value();
  const float x6[4] = {1.0f, 0.0f, 1.0f, 0.0f};  // codes 63, 0, 63, 0
  uint8_t c6[3];
  sq6.EncodeOne(x6, c6);
  EXPECT_EQ(c6[0], 0x3f);
  EXPECT_EQ(c6[1], 0xf0);
  EXPECT_EQ(c6[2], 0x03);
}

TEST(ScalarQuantizer, HalfConversionsRoundLikeFaiss173) {
  EXPECT_EQ(EncodeFp16(1.0f), 0x3c00);
  EXPECT_EQ(EncodeFp16(-2.0f), 0xc000);
  EXPECT_EQ(EncodeFp16(65504.0f), 0x7bff);
  EXPECT_EQ(EncodeFp16(1e6f), 0x7c00);
  EXPECT_EQ(EncodeFp16(1.0f + 1.0f / 2048), 0x3c01);  // tie → away from zero
  EXPECT_EQ(EncodeFp16(1.0f + 0.99f / 2048), 0x3c00);
  EXPECT_EQ(EncodeFp16(-1.0f - 3.0f / 2048), 0xbc02);
  EXPECT_EQ(EncodeFp16(std::ldexp(1.0f, -24)), 0x0001);
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite half round-trips
    ASSERT_EQ(EncodeFp16(DecodeFp16(static_cast<uint16_t>(h))), h);
    ASSERT_EQ(EncodeFp16(-DecodeFp16(static_cast<uint16_t>(h))), h | 0x8000);
  }
  EXPECT_EQ(EncodeBf16(1.0f), 0x3f80);
  EXPECT_EQ(DecodeBf16(0x3f80), 1.0f);
}

TEST(ScalarQuantizer, DirectIsTheByte) {
  ScalarQuantizer sq(4, SqType::k8bitDirect);
  const float x[4] = {0.0f, 17.9f, 255.0f, 300.0f};
  uint8_t c[4];
  sq.EncodeOne(x, c);
  EXPECT_EQ(c[0], 0);
  EXPECT_EQ(c[1], 17);
  EXPECT_EQ(c[2], 255);
  EXPECT_EQ(c[3], 300 & 255);
}

TEST(ScalarQuantizer, FromTrainedChecksSize) {
  auto bad = ScalarQuantizer::FromTrained(4, SqType::k8bit, {1, 2, 3});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected 8"), std::string::npos);
}

}  // namespace
}  // namespace kiln::quant
