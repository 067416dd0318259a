// Field-level I/O of Faiss index files (faiss/impl/io_macros.h): native
// little-endian values one field at a time, no padding; a "vector" is a
// uint64 element count followed by the raw elements.
//
// Writing goes to a ByteSink. Reading goes through FaissReader, a
// bounds-checked cursor over a byte span: every read checks the remaining
// bytes first, multi-byte values are copied out with memcpy (files are not
// aligned), and errors are DataLoss of the form
//   "<source>: offset <o>: expected <what>, found <what>".
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "kiln/base/byte_sink.h"
#include "kiln/base/status.h"

namespace kiln::format {

static_assert(std::endian::native == std::endian::little,
              "Faiss files are written in native order; kiln targets little-endian hosts");

// Appends one trivially copyable field.
template <typename T>
Status WriteField(ByteSink& sink, const T& value) {
  return sink.Append(&value, sizeof(T));
}

// WRITEVECTOR: uint64 count, then count elements of T.
template <typename T>
Status WriteVector(ByteSink& sink, const T* data, size_t count) {
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, count));
  if (count == 0) return OkStatus();
  return sink.Append(data, count * sizeof(T));
}

class FaissReader {
 public:
  // source names the data in errors (usually the file name).
  FaissReader(const uint8_t* data, size_t size, std::string_view source)
      : data_(data), size_(size), source_(source) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return size_ - offset_; }
  std::string_view source() const { return source_; }
  // Offset of a pointer into the buffer (one returned by Take).
  size_t OffsetOf(const uint8_t* p) const { return static_cast<size_t>(p - data_); }

  StatusOr<uint8_t> ReadU8(std::string_view what) { return ReadPod<uint8_t>(what); }
  StatusOr<int32_t> ReadI32(std::string_view what) { return ReadPod<int32_t>(what); }
  StatusOr<uint32_t> ReadU32(std::string_view what) { return ReadPod<uint32_t>(what); }
  StatusOr<int64_t> ReadI64(std::string_view what) { return ReadPod<int64_t>(what); }
  StatusOr<uint64_t> ReadU64(std::string_view what) { return ReadPod<uint64_t>(what); }
  StatusOr<float> ReadF32(std::string_view what) { return ReadPod<float>(what); }

  // The uint64 count of a vector of elem_size-byte elements, checked to fit
  // in the remaining bytes (so callers may allocate count elements).
  StatusOr<uint64_t> ReadCount(std::string_view what, size_t elem_size);

  // A pointer to the next `bytes` bytes (any alignment), then skips them.
  StatusOr<const uint8_t*> Take(uint64_t bytes, std::string_view what);

  // DataLoss "<source>: offset <offset>: expected <expected>, found <found>".
  Status Corrupt(size_t offset, std::string_view expected, std::string_view found) const;
  // Unimplemented "<source>: offset <offset>: <what> is not supported by this reader".
  Status Unsupported(size_t offset, std::string_view what) const;

 private:
  template <typename T>
  StatusOr<T> ReadPod(std::string_view what) {
    KILN_ASSIGN_OR_RETURN(const uint8_t* p, Take(sizeof(T), what));
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
  }

  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
  std::string_view source_;
};

}  // namespace kiln::format
