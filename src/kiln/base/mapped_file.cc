#include "kiln/base/mapped_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/base/memory_pages.h"

namespace kiln {

StatusOr<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return NotFoundError("{}: no such file", path);
    if (err == EACCES) return PermissionDeniedError("{}: permission denied", path);
    return UnavailableError("{}: cannot open: {}", path, std::strerror(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return UnavailableError("{}: cannot stat: {}", path, std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError("{}: is a directory, expected a file", path);
  }
  size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return UnavailableError("{}: cannot map {} bytes: {}", path, size, std::strerror(err));
    }
    data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return std::shared_ptr<MappedFile>(new MappedFile(path, data, size));
}

void MappedFile::Release(size_t offset, size_t bytes) const {
  if (offset >= size_) return;
  bytes = std::min(bytes, size_ - offset);
  // The mapping runs to the end of the last page: a range that ends the file
  // takes that page whole.
  if (offset + bytes == size_) {
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    bytes += (page - (reinterpret_cast<uintptr_t>(data_) + size_) % page) % page;
  }
  ReleaseWholePages(data_ + offset, bytes);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace kiln
