// Sequential byte output. Every writer (Faiss files, .npy, kiln manifests)
// targets ByteSink, so a file, a memory buffer and (later) an S3 multipart
// upload share one code path. No seeking: formats are written front to back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/base/status.h"

namespace kiln {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Append(const void* data, size_t size) = 0;
  // Bytes appended so far.
  virtual uint64_t position() const = 0;

  // Appends a trivially copyable value in native (little-endian) byte order.
  template <typename T>
  Status AppendPod(const T& value) {
    return Append(&value, sizeof(T));
  }
};

// Collects bytes in memory (tests, small payloads).
class StringSink final : public ByteSink {
 public:
  Status Append(const void* data, size_t size) override;
  uint64_t position() const override { return data_.size(); }
  const std::string& data() const { return data_; }
  std::string Release() { return std::move(data_); }

 private:
  std::string data_;
};

// Writes `path` atomically: bytes go to a temporary file next to it
// ("<path>.tmp.<pid>.<n>"), and Publish() flushes, fsyncs and renames it over
// `path`. If the writer is destroyed without Publish(), the temporary file is
// removed, so a failed or cancelled job never leaves a half-written file.
class AtomicFileSink final : public ByteSink {
 public:
  static StatusOr<std::unique_ptr<AtomicFileSink>> Create(const std::string& path);
  ~AtomicFileSink() override;

  Status Append(const void* data, size_t size) override;
  uint64_t position() const override { return written_; }
  Status Publish();
  const std::string& path() const { return path_; }

 private:
  AtomicFileSink(std::string path, std::string temp_path, int fd);
  Status FlushBuffer();

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;
  std::vector<char> buffer_;
  bool published_ = false;
};

// Writes a small file atomically in one call.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace kiln
