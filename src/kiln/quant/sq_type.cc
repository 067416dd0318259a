#include "kiln/quant/sq_type.h"

namespace kiln::quant {
namespace {
struct Names {
  SqType type;
  std::string_view factory;
  std::string_view bit_size;
};
constexpr Names kNames[] = {
    {SqType::k8bit, "SQ8", "8bit"},
    {SqType::k4bit, "SQ4", "4bit"},
    {SqType::k8bitUniform, "SQ8_uniform", "8bit_uniform"},
    {SqType::k4bitUniform, "SQ4_uniform", "4bit_uniform"},
    {SqType::kFp16, "SQfp16", "QT_fp16"},
    {SqType::k8bitDirect, "SQ8_direct", "8bit_direct"},
    {SqType::k6bit, "SQ6", "6bit"},
    {SqType::kBf16, "SQbf16", "bf16"},
};
}  // namespace

std::optional<SqType> ParseSqFactoryName(std::string_view name) {
  for (const auto& n : kNames)
    if (n.factory == name) return n.type;
  return std::nullopt;
}

std::optional<SqType> ParseSqBitSize(std::string_view name) {
  for (const auto& n : kNames)
    if (n.bit_size == name) return n.type;
  return std::nullopt;
}

std::string_view SqFactoryName(SqType type) {
  for (const auto& n : kNames)
    if (n.type == type) return n.factory;
  return "SQ?";
}

}  // namespace kiln::quant
