// Internal to the dataset layer: helpers shared by the per-format readers
// (element conversion, bounds arithmetic, non-finite handling) and the
// per-format entry points that vector_reader.cc dispatches to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/base/types.h"
#include "kiln/dataset/dataset.h"
#include "kiln/dataset/vector_reader.h"

namespace kiln::dataset_internal {

// Element types found in input files.
enum class ElemType { kF16, kF32, kF64, kI8, kU8, kI16, kI32, kI64 };

size_t ElemSize(ElemType type);
std::string_view ElemTypeName(ElemType type);  // "float32", "uint8", ...
bool IsFloating(ElemType type);

// Unaligned loads through memcpy (never through casted pointers).
inline uint16_t LoadU16Le(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
inline uint32_t LoadU32Le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint32_t LoadU32Be(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}
inline int32_t LoadI32Le(const uint8_t* p) {
  uint32_t u = LoadU32Le(p);
  int32_t v;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}

float HalfToFloat(uint16_t bits);

// a * b, or false on overflow.
inline bool CheckedMul(size_t a, size_t b, size_t* out) { return !__builtin_mul_overflow(a, b, out); }

// Converts `count` elements at `src` (little-endian, or big-endian when
// `big_endian`) to float / int64. ConvertToInt64 takes integer types only.
void ConvertToFloat(const uint8_t* src, ElemType type, bool big_endian, size_t count, float* dst);
void ConvertToInt64(const uint8_t* src, ElemType type, bool big_endian, size_t count, int64_t* dst);

// n rows of d elements; row i starts at first + i * stride.
struct RawRows {
  const uint8_t* first = nullptr;
  size_t n = 0;
  size_t d = 0;
  size_t stride = 0;
  ElemType type = ElemType::kF32;
  bool big_endian = false;
};
// An owned float copy of the rows.
Dataset CopyRows(const RawRows& rows);

// Rows to read out of `n` under options.limit.
inline size_t RowsToRead(size_t n, const ReadOptions& options) {
  return options.limit.has_value() && *options.limit < n ? *options.limit : n;
}

// InvalidArgument for n == 0 ("contains no vectors") or d == 0.
Status CheckShape(const std::string& name, size_t n, size_t d);

// Applies options.non_finite to every value; `name` prefixes messages.
StatusOr<Dataset> ApplyNonFinitePolicy(Dataset data, const std::string& name, NonFinitePolicy policy);

// For files opened without MappedFile (gzip, HDF5): NotFound naming the
// path, or InvalidArgument for a directory; sets *size to the file size.
Status StatFile(const std::string& path, size_t* size);

// Per-format entry points. `path` is a file path; `name` (HDF5) a dataset.
enum class VecsKind { kFvecs, kBvecs, kIvecs };
StatusOr<Dataset> ReadNpyVectors(const std::string& path, const ReadOptions& options);
StatusOr<std::vector<idx_t>> ReadNpyIds(const std::string& path);
StatusOr<IntMatrix> ReadNpyNeighbors(const std::string& path);
StatusOr<Dataset> ReadVecsVectors(const std::string& path, VecsKind kind, const ReadOptions& options);
StatusOr<IntMatrix> ReadIvecsNeighbors(const std::string& path);
StatusOr<Dataset> ReadHdf5Vectors(const std::string& path, const std::string& name,
                                  const ReadOptions& options);
StatusOr<IntMatrix> ReadHdf5Neighbors(const std::string& path, const std::string& name);
StatusOr<Dataset> ReadIdxVectors(const std::string& path, const ReadOptions& options);
StatusOr<Dataset> ReadKnnVecVectors(const std::string& path, const ReadOptions& options);
StatusOr<std::vector<idx_t>> ReadKnnDidIds(const std::string& path);

}  // namespace kiln::dataset_internal
