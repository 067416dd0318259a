#include "kiln/dataset/vector_writer.h"

#include <climits>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/dataset/npy_format.h"
#include "kiln/dataset/reader_internal.h"

namespace kiln {
namespace {

using dataset_internal::CheckedMul;

// Writes a header (may be empty) and `count` elements of `elem_size` bytes.
// The machine is little-endian, as the formats are.
Status WriteRaw(const std::string& path, const std::string& header, const void* data, size_t count,
                size_t elem_size) {
  size_t bytes = 0;
  if (!CheckedMul(count, elem_size, &bytes)) return InvalidArgumentError("{}: {} values are too many", path, count);
  if (bytes > 0 && data == nullptr) return InvalidArgumentError("{}: null data for {} values", path, count);
  KILN_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path));
  KILN_RETURN_IF_ERROR(sink->Append(header.data(), header.size()));
  if (bytes > 0) KILN_RETURN_IF_ERROR(sink->Append(data, bytes));
  return sink->Publish();
}

Status WriteNpyArray(const std::string& path, std::string_view descr, const std::vector<size_t>& shape,
                     const void* data, size_t elem_size) {
  size_t count = 1;
  for (size_t dim : shape) {
    if (!CheckedMul(count, dim, &count)) return InvalidArgumentError("{}: shape is too large", path);
  }
  return WriteRaw(path, dataset_internal::FormatNpyHeader(descr, shape), data, count, elem_size);
}

template <typename T>
Status WriteVecs(const std::string& path, const T* x, size_t n, size_t d) {
  if (d == 0 || d > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgumentError("{}: dimension {} does not fit a vecs row (1 to {})", path, d, INT32_MAX);
  }
  size_t count = 0;
  if (!CheckedMul(n, d, &count)) return InvalidArgumentError("{}: {} x {} is too large", path, n, d);
  if (count > 0 && x == nullptr) return InvalidArgumentError("{}: null data for {} values", path, count);
  KILN_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path));
  const int32_t dim = static_cast<int32_t>(d);
  for (size_t i = 0; i < n; ++i) {
    KILN_RETURN_IF_ERROR(sink->AppendPod(dim));
    KILN_RETURN_IF_ERROR(sink->Append(x + i * d, d * sizeof(T)));
  }
  return sink->Publish();
}

}  // namespace

Status WriteNpy(const std::string& path, const float* x, size_t n, size_t d) {
  return WriteNpyArray(path, "<f4", {n, d}, x, sizeof(float));
}

Status WriteNpy(const std::string& path, const int64_t* x, size_t n, size_t d) {
  return WriteNpyArray(path, "<i8", {n, d}, x, sizeof(int64_t));
}

Status WriteNpy(const std::string& path, const int64_t* ids, size_t n) {
  return WriteNpyArray(path, "<i8", {n}, ids, sizeof(int64_t));
}

Status WriteFvecs(const std::string& path, const float* x, size_t n, size_t d) { return WriteVecs(path, x, n, d); }
Status WriteBvecs(const std::string& path, const uint8_t* x, size_t n, size_t d) { return WriteVecs(path, x, n, d); }
Status WriteIvecs(const std::string& path, const int32_t* x, size_t n, size_t d) { return WriteVecs(path, x, n, d); }

Status WriteKnnVec(const std::string& path, const float* x, size_t n, size_t d) {
  size_t count = 0;
  if (!CheckedMul(n, d, &count)) return InvalidArgumentError("{}: {} x {} is too large", path, n, d);
  return WriteRaw(path, "", x, count, sizeof(float));
}

Status WriteKnnDid(const std::string& path, const int32_t* ids, size_t n) {
  return WriteRaw(path, "", ids, n, sizeof(int32_t));
}

}  // namespace kiln
