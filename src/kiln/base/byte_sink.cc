#include "kiln/base/byte_sink.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace kiln {
namespace {
constexpr size_t kBufferSize = 1 << 20;
std::atomic<uint64_t> temp_counter{0};

Status ErrnoError(std::string_view what, const std::string& path, int err) {
  std::string message = fmt::format("{} {}: {}", what, path, std::strerror(err));
  if (err == ENOENT) return Status(StatusCode::kNotFound, message);
  if (err == EACCES || err == EPERM || err == EROFS) return Status(StatusCode::kPermissionDenied, message);
  if (err == ENOSPC) return Status(StatusCode::kResourceExhausted, message);
  return Status(StatusCode::kUnavailable, message);
}
}  // namespace

Status StringSink::Append(const void* data, size_t size) {
  data_.append(static_cast<const char*>(data), size);
  return OkStatus();
}

AtomicFileSink::AtomicFileSink(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {
  buffer_.reserve(kBufferSize);
}

StatusOr<std::unique_ptr<AtomicFileSink>> AtomicFileSink::Create(const std::string& path) {
  std::string temp = fmt::format("{}.tmp.{}.{}", path, getpid(), temp_counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", temp, errno);
  return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(path, std::move(temp), fd));
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!published_) ::unlink(temp_path_.c_str());
}

Status AtomicFileSink::FlushBuffer() {
  size_t off = 0;
  while (off < buffer_.size()) {
    ssize_t w = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", temp_path_, errno);
    }
    off += static_cast<size_t>(w);
  }
  buffer_.clear();
  return OkStatus();
}

Status AtomicFileSink::Append(const void* data, size_t size) {
  if (fd_ < 0) return FailedPreconditionError("write to {} after Publish()", path_);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    size_t take = std::min(size, kBufferSize - buffer_.size());
    buffer_.insert(buffer_.end(), p, p + take);
    p += take;
    size -= take;
    written_ += take;
    if (buffer_.size() == kBufferSize) KILN_RETURN_IF_ERROR(FlushBuffer());
  }
  return OkStatus();
}

Status AtomicFileSink::Publish() {
  if (fd_ < 0) return FailedPreconditionError("{} already published", path_);
  KILN_RETURN_IF_ERROR(FlushBuffer());
  if (::fsync(fd_) != 0) return ErrnoError("cannot fsync", temp_path_, errno);
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return ErrnoError("cannot close", temp_path_, errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) return ErrnoError("cannot rename to", path_, errno);
  published_ = true;
  return OkStatus();
}

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  KILN_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path));
  KILN_RETURN_IF_ERROR(sink->Append(contents.data(), contents.size()));
  return sink->Publish();
}

}  // namespace kiln
