// Element conversion and non-finite handling shared by every reader.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

#include "kiln/base/check.h"
#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

// Loads element i of `src` as T, swapping bytes when big-endian.
template <typename T>
T Load(const uint8_t* src, size_t i, bool big_endian) {
  uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, src + i * sizeof(T), sizeof(T));
  if (big_endian) {
    for (size_t k = 0; k < sizeof(T) / 2; ++k) std::swap(bytes[k], bytes[sizeof(T) - 1 - k]);
  }
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// Converts a double to float without undefined behaviour: values beyond the
// float range become +-Inf (and are then caught as non-finite).
float NarrowDouble(double v) {
  constexpr double kMax = 3.4028234663852886e38;  // FLT_MAX
  if (v > kMax) return HUGE_VALF;
  if (v < -kMax) return -HUGE_VALF;
  return static_cast<float>(v);
}

template <typename T, typename Out>
void ConvertLoop(const uint8_t* src, bool big_endian, size_t count, Out* dst) {
  for (size_t i = 0; i < count; ++i) dst[i] = static_cast<Out>(Load<T>(src, i, big_endian));
}

std::string_view NonFiniteName(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

size_t ElemSize(ElemType type) {
  switch (type) {
    case ElemType::kI8:
    case ElemType::kU8: return 1;
    case ElemType::kF16:
    case ElemType::kI16: return 2;
    case ElemType::kF32:
    case ElemType::kI32: return 4;
    case ElemType::kF64:
    case ElemType::kI64: return 8;
  }
  return 1;
}

std::string_view ElemTypeName(ElemType type) {
  switch (type) {
    case ElemType::kF16: return "float16";
    case ElemType::kF32: return "float32";
    case ElemType::kF64: return "float64";
    case ElemType::kI8: return "int8";
    case ElemType::kU8: return "uint8";
    case ElemType::kI16: return "int16";
    case ElemType::kI32: return "int32";
    case ElemType::kI64: return "int64";
  }
  return "unknown";
}

bool IsFloating(ElemType type) {
  return type == ElemType::kF16 || type == ElemType::kF32 || type == ElemType::kF64;
}

float HalfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float32.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  } else if (exponent == 31) {
    out = sign | 0x7f800000u | (mantissa << 13);  // Inf or NaN
  } else {
    out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &out, sizeof(f));
  return f;
}

void ConvertToFloat(const uint8_t* src, ElemType type, bool big_endian, size_t count, float* dst) {
  if (count == 0) return;
  switch (type) {
    case ElemType::kF32:
      if (!big_endian) {
        std::memcpy(dst, src, count * sizeof(float));
      } else {
        ConvertLoop<float>(src, true, count, dst);
      }
      return;
    case ElemType::kF16:
      for (size_t i = 0; i < count; ++i) dst[i] = HalfToFloat(Load<uint16_t>(src, i, big_endian));
      return;
    case ElemType::kF64:
      for (size_t i = 0; i < count; ++i) dst[i] = NarrowDouble(Load<double>(src, i, big_endian));
      return;
    case ElemType::kI8: ConvertLoop<int8_t>(src, false, count, dst); return;
    case ElemType::kU8: ConvertLoop<uint8_t>(src, false, count, dst); return;
    case ElemType::kI16: ConvertLoop<int16_t>(src, big_endian, count, dst); return;
    case ElemType::kI32: ConvertLoop<int32_t>(src, big_endian, count, dst); return;
    case ElemType::kI64: ConvertLoop<int64_t>(src, big_endian, count, dst); return;
  }
}

void ConvertToInt64(const uint8_t* src, ElemType type, bool big_endian, size_t count, int64_t* dst) {
  switch (type) {
    case ElemType::kI8: ConvertLoop<int8_t>(src, false, count, dst); return;
    case ElemType::kU8: ConvertLoop<uint8_t>(src, false, count, dst); return;
    case ElemType::kI16: ConvertLoop<int16_t>(src, big_endian, count, dst); return;
    case ElemType::kI32: ConvertLoop<int32_t>(src, big_endian, count, dst); return;
    case ElemType::kI64: ConvertLoop<int64_t>(src, big_endian, count, dst); return;
    case ElemType::kF16:
    case ElemType::kF32:
    case ElemType::kF64: KILN_CHECK(false && "ConvertToInt64 takes integer types");
  }
}

Dataset CopyRows(const RawRows& rows) {
  AlignedBuffer<float> values(rows.n * rows.d);
  for (size_t i = 0; i < rows.n; ++i) {
    ConvertToFloat(rows.first + i * rows.stride, rows.type, rows.big_endian, rows.d,
                   values.data() + i * rows.d);
  }
  return Dataset::Owned(std::move(values), rows.n, rows.d);
}

Status CheckShape(const std::string& name, size_t n, size_t d) {
  if (n == 0) return InvalidArgumentError("{}: contains no vectors", name);
  if (d == 0) return InvalidArgumentError("{}: vectors have dimension 0 ({} rows)", name, n);
  return OkStatus();
}

StatusOr<Dataset> ApplyNonFinitePolicy(Dataset data, const std::string& name, NonFinitePolicy policy) {
  const size_t n = data.n();
  const size_t d = data.d();
  // First pass: find the first row with a non-finite value (the common case
  // is none, and then a mapped view stays zero-copy). A mapped file's pages
  // are dropped from the process behind the scan (they stay in the page
  // cache): reading the input does not make it all resident at once.
  size_t first_bad = n;
  const size_t release_rows = std::max<size_t>(1, (size_t{8} << 20) / (sizeof(float) * std::max<size_t>(d, 1)));
  for (size_t i = 0; i < n && first_bad == n; ++i) {
    if (data.is_mapped() && i % release_rows == 0 && i > 0) data.ReleaseRows(i - release_rows, i);
    const float* row = data.row(i);
    for (size_t j = 0; j < d; ++j) {
      if (!std::isfinite(row[j])) {
        if (policy == NonFinitePolicy::kReject) {
          return DataLossError(
              "{}: row {}, column {} is {} (non-finite values are rejected; pass "
              "--non-finite=skip|zero to change)",
              name, data.source_row(i), j, NonFiniteName(row[j]));
        }
        first_bad = i;
        break;
      }
    }
  }
  if (first_bad == n) return data;

  if (policy == NonFinitePolicy::kZero) {
    float* values = data.mutable_data();
    for (size_t k = first_bad * d; k < n * d; ++k) {
      if (!std::isfinite(values[k])) values[k] = 0.0f;
    }
    return data;
  }
  std::vector<size_t> kept;
  kept.reserve(n - 1);
  for (size_t i = 0; i < first_bad; ++i) kept.push_back(i);
  for (size_t i = first_bad; i < n; ++i) {
    const float* row = data.row(i);
    bool finite = true;
    for (size_t j = 0; j < d && finite; ++j) finite = std::isfinite(row[j]);
    if (finite) kept.push_back(i);
  }
  if (kept.empty()) {
    return InvalidArgumentError(
        "{}: all {} rows contain non-finite values; no vectors are left after --non-finite=skip", name, n);
  }
  return data.Gather(kept);
}

Status StatFile(const std::string& path, size_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return NotFoundError("{}: no such file", path);
    if (err == EACCES) return PermissionDeniedError("{}: permission denied", path);
    return UnavailableError("{}: cannot stat: {}", path, std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) return InvalidArgumentError("{}: is a directory, expected a file", path);
  *size = static_cast<size_t>(st.st_size);
  return OkStatus();
}

}  // namespace kiln::dataset_internal
