#include "kiln/quant/sq/scalar_quantizer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "kiln/base/check.h"

namespace kiln::quant {
namespace {

// Rows per parallel chunk of Encode/Decode/Train.
constexpr size_t kGrain = 256;

bool HasRanges(SqType t) {
  return t == SqType::k8bit || t == SqType::k4bit || t == SqType::k6bit ||
         t == SqType::k8bitUniform || t == SqType::k4bitUniform;
}
bool IsUniform(SqType t) { return t == SqType::k8bitUniform || t == SqType::k4bitUniform; }

// Component i of a code in [0, 1] (Faiss Codec*::encode_component). The
// 4- and 6-bit products are in double, as Faiss writes them; code must be
// zeroed first for the packed types.
void Encode8(float x, uint8_t* code, size_t i) { code[i] = static_cast<uint8_t>(int(255 * x)); }
void Encode4(float x, uint8_t* code, size_t i) {
  code[i / 2] |= static_cast<uint8_t>(int(x * 15.0) << ((i & 1) << 2));
}
void Encode6(float x, uint8_t* code, size_t i) {
  const int bits = int(x * 63.0);
  code += (i >> 2) * 3;
  switch (i & 3) {
    case 0:
      code[0] |= static_cast<uint8_t>(bits);
      break;
    case 1:
      code[0] |= static_cast<uint8_t>(bits << 6);
      code[1] |= static_cast<uint8_t>(bits >> 2);
      break;
    case 2:
      code[1] |= static_cast<uint8_t>(bits << 4);
      code[2] |= static_cast<uint8_t>(bits >> 4);
      break;
    default:
      code[2] |= static_cast<uint8_t>(bits << 2);
      break;
  }
}
float Decode8(const uint8_t* code, size_t i) { return (code[i] + 0.5f) / 255.0f; }
float Decode4(const uint8_t* code, size_t i) {
  return (((code[i / 2] >> ((i & 1) << 2)) & 0xf) + 0.5f) / 15.0f;
}
float Decode6(const uint8_t* code, size_t i) {
  code += (i >> 2) * 3;
  int bits;
  switch (i & 3) {
    case 0:
      bits = code[0] & 0x3f;
      break;
    case 1:
      bits = (code[0] >> 6) | ((code[1] & 0xf) << 2);
      break;
    case 2:
      bits = (code[1] >> 4) | ((code[2] & 3) << 4);
      break;
    default:
      bits = code[2] >> 2;
      break;
  }
  return (bits + 0.5f) / 63.0f;
}

// Faiss: xi = (x - vmin) / vdiff clamped to [0, 1]. A NaN (0/0 when vdiff is
// 0) converts to INT_MIN on x86, whose low byte is 0: the same code as xi = 0.
float Normalize(float x, float vmin, float vdiff) {
  float xi = (x - vmin) / vdiff;
  if (std::isnan(xi)) return 0.0f;
  if (xi < 0) xi = 0;
  if (xi > 1.0f) xi = 1.0f;
  return xi;
}

// (uint8_t)x as x86 code compiled from Faiss computes it: truncation to int32
// (INT_MIN when out of range), then the low byte.
uint8_t DirectByte(float x) {
  if (!(x > -2147483648.0f && x < 2147483648.0f)) return 0;
  return static_cast<uint8_t>(static_cast<uint32_t>(static_cast<int32_t>(x)) & 0xffu);
}

}  // namespace

uint16_t EncodeFp16(float x) {
  // Faiss 1.7.3 utils/fp16-inl.h encode_fp16 (F. Giesen's float_to_half
  // via a float multiply): the 12 bits below the half's last bit are dropped,
  // then half an ulp is added, so ties round away from zero. The float
  // multiply rounds half subnormals exactly as Faiss's does.
  constexpr uint32_t kF32Infty = 255u << 23;
  constexpr uint32_t kRoundMask = ~0xfffu;
  constexpr uint32_t kMagic = 15u << 23;
  uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t sign = f & 0x80000000u;
  f ^= sign;
  uint32_t o = f > kF32Infty ? 0x7e00u : 0x7c00u;
  float scaled = std::bit_cast<float>(f & kRoundMask) * std::bit_cast<float>(kMagic);
  scaled = std::min(scaled, std::bit_cast<float>((31u << 23) - 0x1000u));
  const uint32_t bits = std::bit_cast<uint32_t>(scaled) - kRoundMask;
  if (f < kF32Infty) o = bits >> 13;
  return static_cast<uint16_t>(o | (sign >> 16));
}

float DecodeFp16(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant · 2^-24, exact
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t EncodeBf16(float x) {
  return static_cast<uint16_t>((std::bit_cast<uint32_t>(x) + 0x8000u) >> 16);
}
float DecodeBf16(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

ScalarQuantizer::ScalarQuantizer(size_t d, SqType type)
    : d_(d), type_(type), code_size_(CodeSize(type, d)) {
  KILN_CHECK(d > 0);
}

StatusOr<ScalarQuantizer> ScalarQuantizer::FromTrained(size_t d, SqType type,
                                                       std::vector<float> trained) {
  if (d == 0) return InvalidArgumentError("scalar quantizer: d must be at least 1, found 0");
  const auto t = static_cast<int32_t>(type);
  if (t < 0 || t > static_cast<int32_t>(SqType::kBf16))
    return InvalidArgumentError("scalar quantizer: unknown qtype {}", t);
  const size_t expected = TrainedSize(type, d);
  if (!trained.empty() && trained.size() != expected)
    return InvalidArgumentError("scalar quantizer {} with d = {}: trained holds {} floats, expected {}",
                                SqFactoryName(type), d, trained.size(), expected);
  ScalarQuantizer sq(d, type);
  sq.trained_ = std::move(trained);
  return sq;
}

size_t ScalarQuantizer::CodeSize(SqType type, size_t d) {
  switch (type) {
    case SqType::k4bit:
    case SqType::k4bitUniform:
      return (d + 1) / 2;
    case SqType::k6bit:
      return (d * 6 + 7) / 8;
    case SqType::kFp16:
    case SqType::kBf16:
      return 2 * d;
    default:
      return d;
  }
}

size_t ScalarQuantizer::TrainedSize(SqType type, size_t d) {
  if (!HasRanges(type)) return 0;
  return IsUniform(type) ? 2 : 2 * d;
}

Status ScalarQuantizer::Train(const float* x, size_t n, ThreadPool& pool) {
  if (!HasRanges(type_)) return OkStatus();
  if (n == 0)
    return InvalidArgumentError("scalar quantizer {}: train needs at least 1 vector, found 0",
                                SqFactoryName(type_));
  const size_t nt = static_cast<size_t>(pool.num_threads());
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<std::vector<float>> lo(nt, std::vector<float>(d_, kInf));
  std::vector<std::vector<float>> hi(nt, std::vector<float>(d_, -kInf));
  pool.ParallelForStatic(n, [&](size_t r0, size_t r1, int w) {
    float* l = lo[w].data();
    float* h = hi[w].data();
    for (size_t r = r0; r < r1; ++r) {
      const float* row = x + r * d_;
      for (size_t j = 0; j < d_; ++j) {
        l[j] = std::min(l[j], row[j]);
        h[j] = std::max(h[j], row[j]);
      }
    }
  });
  std::vector<float> vmin = lo[0], vmax = hi[0];
  for (size_t w = 1; w < nt; ++w) {
    for (size_t j = 0; j < d_; ++j) {
      vmin[j] = std::min(vmin[j], lo[w][j]);
      vmax[j] = std::max(vmax[j], hi[w][j]);
    }
  }
  if (IsUniform(type_)) {
    const float mn = *std::min_element(vmin.begin(), vmin.end());
    const float mx = *std::max_element(vmax.begin(), vmax.end());
    trained_ = {mn, mx - mn};
    return OkStatus();
  }
  trained_.assign(2 * d_, 0.0f);
  for (size_t j = 0; j < d_; ++j) {
    trained_[j] = vmin[j];
    trained_[d_ + j] = vmax[j] - vmin[j];
  }
  return OkStatus();
}

void ScalarQuantizer::EncodeOne(const float* x, uint8_t* code) const {
  KILN_DCHECK(is_trained());
  std::memset(code, 0, code_size_);
  const bool uniform = IsUniform(type_);
  const float* vmin = trained_.data();
  const float* vdiff = trained_.data() + (uniform ? 1 : d_);
  auto norm = [&](size_t i) {
    return uniform ? Normalize(x[i], vmin[0], vdiff[0]) : Normalize(x[i], vmin[i], vdiff[i]);
  };
  switch (type_) {
    case SqType::k8bit:
    case SqType::k8bitUniform:
      for (size_t i = 0; i < d_; ++i) Encode8(norm(i), code, i);
      break;
    case SqType::k4bit:
    case SqType::k4bitUniform:
      for (size_t i = 0; i < d_; ++i) Encode4(norm(i), code, i);
      break;
    case SqType::k6bit:
      for (size_t i = 0; i < d_; ++i) Encode6(norm(i), code, i);
      break;
    case SqType::kFp16:
      for (size_t i = 0; i < d_; ++i) {
        const uint16_t h = EncodeFp16(x[i]);
        std::memcpy(code + 2 * i, &h, 2);
      }
      break;
    case SqType::kBf16:
      for (size_t i = 0; i < d_; ++i) {
        const uint16_t h = EncodeBf16(x[i]);
        std::memcpy(code + 2 * i, &h, 2);
      }
      break;
    case SqType::k8bitDirect:
      for (size_t i = 0; i < d_; ++i) code[i] = DirectByte(x[i]);
      break;
  }
}

float ScalarQuantizer::DecodeComponent(const uint8_t* code, size_t i) const {
  const bool uniform = IsUniform(type_);
  switch (type_) {
    case SqType::k8bit:
    case SqType::k8bitUniform:
    case SqType::k4bit:
    case SqType::k4bitUniform:
    case SqType::k6bit: {
      const size_t j = uniform ? 0 : i;
      const float vmin = trained_[j], vdiff = trained_[(uniform ? 1 : d_) + j];
      const float xi = type_ == SqType::k6bit ? Decode6(code, i)
                       : (type_ == SqType::k8bit || type_ == SqType::k8bitUniform)
                           ? Decode8(code, i)
                           : Decode4(code, i);
      return vmin + xi * vdiff;
    }
    case SqType::kFp16:
    case SqType::kBf16: {
      uint16_t h;
      std::memcpy(&h, code + 2 * i, 2);
      return type_ == SqType::kFp16 ? DecodeFp16(h) : DecodeBf16(h);
    }
    case SqType::k8bitDirect:
      return static_cast<float>(code[i]);
  }
  return 0.0f;
}

void ScalarQuantizer::DecodeOne(const uint8_t* code, float* x) const {
  for (size_t i = 0; i < d_; ++i) x[i] = DecodeComponent(code, i);
}

void ScalarQuantizer::Encode(const float* x, size_t n, uint8_t* codes, ThreadPool& pool) const {
  pool.ParallelFor(n, kGrain, [&](size_t r0, size_t r1, int) {
    for (size_t r = r0; r < r1; ++r) EncodeOne(x + r * d_, codes + r * code_size_);
  });
}

void ScalarQuantizer::Decode(const uint8_t* codes, size_t n, float* x, ThreadPool& pool) const {
  pool.ParallelFor(n, kGrain, [&](size_t r0, size_t r1, int) {
    for (size_t r = r0; r < r1; ++r) DecodeOne(codes + r * code_size_, x + r * d_);
  });
}

}  // namespace kiln::quant
