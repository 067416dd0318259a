// Scalar-quantizer code types, numbered exactly as Faiss's
// ScalarQuantizer::QuantizerType (the value stored in IxSQ / IwSq files).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln::quant {

enum class SqType : int32_t {
  k8bit = 0,          // SQ8: per-dimension [vmin, vmin+vdiff], 8 bits
  k4bit = 1,          // SQ4
  k8bitUniform = 2,   // one range for all dimensions
  k4bitUniform = 3,
  kFp16 = 4,          // SQfp16: IEEE half
  k8bitDirect = 5,    // SQ8_direct: code = (uint8)x
  k6bit = 6,          // SQ6
  kBf16 = 7,          // SQbf16: kiln extension here; Faiss >= 1.9 reads it, 1.7.3 does not
};

// Factory spelling ("SQ8", "SQ4", "SQ6", "SQfp16", "SQ8_direct", "SQbf16") → type.
std::optional<SqType> ParseSqFactoryName(std::string_view name);
// MyScale bit_size spelling ("8bit", "6bit", "4bit", "8bit_uniform", "4bit_uniform",
// "8bit_direct", "QT_fp16"; also "bf16") → type.
std::optional<SqType> ParseSqBitSize(std::string_view name);
std::string_view SqFactoryName(SqType type);
// True when Debian's libfaiss 1.7.3 can read and search this type.
inline bool ReadableByFaiss173(SqType type) { return static_cast<int32_t>(type) <= 6; }

}  // namespace kiln::quant
