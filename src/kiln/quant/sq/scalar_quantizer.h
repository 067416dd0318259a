// Scalar quantizer, bit-exact with Faiss 1.7.3's ScalarQuantizer
// (faiss/impl/ScalarQuantizer.cpp) for every SqType Faiss 1.7.3 knows, plus
// SQbf16 (encoded as Faiss >= 1.9 does).
//
// Each of the d components of a vector is encoded on its own:
//   8bit, 4bit, 6bit         xi = clamp((x - vmin[i]) / vdiff[i], 0, 1) (xi = 0
//                            when vdiff[i] == 0), code = int(255·xi) (8 bit),
//                            int(15.0·xi) (4 bit, component i in the low nibble
//                            of byte i/2 when i is even), int(63.0·xi) (6 bit,
//                            4 components in 3 bytes, LSB first); the ranges
//                            are per dimension: trained = [vmin[0..d), vdiff[0..d)]
//   8bit_uniform, 4bit_uniform  the same with one range for all dimensions:
//                            trained = [vmin, vdiff]
//   fp16                     IEEE half; Faiss 1.7.3's software conversion rounds
//                            ties away from zero (not to even)
//   8bit_direct              code = (uint8)x, decode = float(code)
//   bf16                     the upper 16 bits of float32, rounded half away
//                            from zero ((bits + 0x8000) >> 16), as Faiss does
// Decoding maps a code c to vmin + (c + 0.5)/(2^bits - 1)·vdiff.
//
// Training (ranges only) is Faiss's RS_minmax with rangestat_arg 0: per
// dimension (or overall) min and max of the rows it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/base/thread_pool.h"
#include "kiln/quant/sq_type.h"

namespace kiln::quant {

// Faiss ScalarQuantizer::RangeStat::RS_minmax, the only range statistic kiln
// trains with (written to files as rangestat).
inline constexpr int32_t kSqRangeStatMinMax = 0;

class ScalarQuantizer {
 public:
  // An untrained quantizer (types that need no training are trained at once).
  // d must be at least 1.
  ScalarQuantizer(size_t d, SqType type);
  // For readers: InvalidArgument unless trained holds TrainedSize(type, d)
  // values (or none, for an untrained quantizer) and the type is known.
  static StatusOr<ScalarQuantizer> FromTrained(size_t d, SqType type, std::vector<float> trained);

  // Bytes per encoded vector: d (8 bit), (d+1)/2 (4 bit), (6d+7)/8 (6 bit), 2d (16 bit).
  static size_t CodeSize(SqType type, size_t d);
  // Floats of trained ranges: 2d (per dimension), 2 (uniform), 0 (none needed).
  static size_t TrainedSize(SqType type, size_t d);

  size_t d() const { return d_; }
  SqType type() const { return type_; }
  size_t code_size() const { return code_size_; }
  bool is_trained() const { return trained_.size() == TrainedSize(type_, d_); }
  // The Faiss `trained` vector (see the file comment).
  const std::vector<float>& trained() const { return trained_; }

  // Min/max ranges of the n×d rows x (n >= 1; a no-op for types without
  // ranges). Parallel over pool; the result does not depend on the threads.
  Status Train(const float* x, size_t n, ThreadPool& pool);

  // Encodes one vector into code_size() bytes (overwritten). Requires is_trained().
  void EncodeOne(const float* x, uint8_t* code) const;
  // Encodes n rows into n·code_size() bytes, parallel over pool.
  void Encode(const float* x, size_t n, uint8_t* codes, ThreadPool& pool) const;
  // Decodes one code into d floats.
  void DecodeOne(const uint8_t* code, float* x) const;
  void Decode(const uint8_t* codes, size_t n, float* x, ThreadPool& pool) const;
  // Component i of the decoded code (Faiss reconstruct_component).
  float DecodeComponent(const uint8_t* code, size_t i) const;

 private:
  size_t d_;
  SqType type_;
  size_t code_size_;
  std::vector<float> trained_;
};

// Faiss's fp16 and bf16 conversions (both round ties away from zero).
uint16_t EncodeFp16(float x);
float DecodeFp16(uint16_t h);
uint16_t EncodeBf16(float x);
float DecodeBf16(uint16_t h);

}  // namespace kiln::quant
