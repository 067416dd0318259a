// A read-only memory map of a whole file. Readers use it so large vector
// files are paged in on demand instead of copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kiln/base/status.h"

namespace kiln {

class MappedFile {
 public:
  // NotFound / PermissionDenied / InvalidArgument (a directory) with the path.
  static StatusOr<std::shared_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Drops the whole pages inside [offset, offset + bytes) from this
  // process's memory (they stay in the page cache and read again on access),
  // so a pass over a large file does not count it all against the process.
  void Release(size_t offset, size_t bytes) const;

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kiln
