// The word-at-a-time Hamming loop, included by hamming_scalar.cc (baseline
// x86-64: __builtin_popcountll is a bit-twiddling sequence) and
// hamming_popcnt.cc (-mpopcnt: one POPCNT instruction). Internal linkage in
// each includer, so the two compilations never merge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kiln::simd {
namespace {

uint32_t HammingWords(const uint8_t* a, const uint8_t* b, size_t code_size) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= code_size; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    sum += static_cast<uint32_t>(__builtin_popcountll(x ^ y));
  }
  for (; i < code_size; ++i) sum += static_cast<uint32_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
  return sum;
}

void HammingWordsToSubset(const uint8_t* q, const uint8_t* base, const int32_t* ids, size_t n,
                          size_t code_size, float* out) {
  for (size_t j = 0; j < n; ++j) {
    if (j + 1 < n) __builtin_prefetch(base + static_cast<size_t>(ids[j + 1]) * code_size);
    out[j] = static_cast<float>(HammingWords(q, base + static_cast<size_t>(ids[j]) * code_size, code_size));
  }
}

}  // namespace
}  // namespace kiln::simd
