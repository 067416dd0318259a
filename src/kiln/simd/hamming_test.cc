#include "kiln/simd/hamming.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace kiln::simd {
namespace {

uint32_t BitByBit(const uint8_t* a, const uint8_t* b, size_t code_size) {
  uint32_t sum = 0;
  for (size_t i = 0; i < code_size; ++i)
    for (int bit = 0; bit < 8; ++bit) sum += ((a[i] ^ b[i]) >> bit) & 1u;
  return sum;
}

TEST(Hamming, EveryLevelMatchesBitByBitCount) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (HammingLevel level : {HammingLevel::kScalar, HammingLevel::kPopcnt, HammingLevel::kAvx512Vpopcnt}) {
    const HammingKernels& k = HammingKernelsFor(level);
    // Sizes around the 8-byte words and the 64-byte AVX-512 steps.
    for (size_t code_size : {1, 7, 8, 9, 16, 63, 64, 65, 96, 128, 129, 200}) {
      std::vector<uint8_t> a(code_size), b(code_size);
      for (int trial = 0; trial < 20; ++trial) {
        for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
        for (auto& v : b) v = static_cast<uint8_t>(byte(rng));
        ASSERT_EQ(k.hamming(a.data(), b.data(), code_size), BitByBit(a.data(), b.data(), code_size))
            << HammingLevelName(level) << " code_size " << code_size;
      }
    }
  }
}

TEST(Hamming, AllOnesAgainstZerosIsEveryBit) {
  std::vector<uint8_t> ones(100, 0xff), zeros(100, 0);
  for (HammingLevel level : {HammingLevel::kScalar, HammingLevel::kPopcnt, HammingLevel::kAvx512Vpopcnt})
    EXPECT_EQ(HammingKernelsFor(level).hamming(ones.data(), zeros.data(), 100), 800u);
}

TEST(Hamming, SubsetKernelScoresTheNamedRows) {
  const size_t code_size = 32, n = 50;
  std::mt19937 rng(3);
  std::vector<uint8_t> base(n * code_size), q(code_size);
  for (auto& v : base) v = static_cast<uint8_t>(rng());
  for (auto& v : q) v = static_cast<uint8_t>(rng());
  const std::vector<int32_t> ids = {49, 0, 7, 7, 23};
  for (HammingLevel level : {HammingLevel::kScalar, HammingLevel::kPopcnt, HammingLevel::kAvx512Vpopcnt}) {
    std::vector<float> out(ids.size());
    HammingKernelsFor(level).hamming_to_subset(q.data(), base.data(), ids.data(), ids.size(), code_size, out.data());
    for (size_t j = 0; j < ids.size(); ++j)
      EXPECT_EQ(out[j], static_cast<float>(BitByBit(q.data(), &base[static_cast<size_t>(ids[j]) * code_size],
                                                    code_size)));
  }
}

TEST(Hamming, DetectedLevelIsReportedAndCapsRequests) {
  const HammingLevel detected = DetectedHammingLevel();
  EXPECT_FALSE(HammingLevelName(detected).empty());
  // Asking for more than the CPU has yields the detected table.
  EXPECT_EQ(&HammingKernelsFor(HammingLevel::kAvx512Vpopcnt), &HammingKernelsFor(detected));
}

}  // namespace
}  // namespace kiln::simd
