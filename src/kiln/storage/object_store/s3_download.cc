#include "kiln/storage/object_store/s3_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "kiln/storage/object_store/s3_http.h"

namespace kiln::storage::s3 {
namespace fs = std::filesystem;
namespace {

// A download target: bytes go to "<path>.part" at their offsets and the file
// is renamed to `path` when complete. No fsync: downloads are scratch copies.
class ScratchFile {
 public:
  ~ScratchFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }
  Status Open(const std::string& path, uint64_t size) {
    path_ = path;
    temp_ = path + ".part";
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    fd_ = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return PermissionDeniedError("{}: cannot create: {}", temp_, std::strerror(errno));
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return DataLossError("{}: cannot size to {} bytes: {}", temp_, size, std::strerror(errno));
    return OkStatus();
  }
  Status WriteAt(uint64_t offset, const char* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return DataLossError("{}: write failed: {}", temp_, std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    return OkStatus();
  }
  Status ReadAt(uint64_t offset, char* data, size_t size) const {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pread(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return DataLossError("{}: read failed at offset {}", temp_, offset + done);
      done += static_cast<size_t>(n);
    }
    return OkStatus();
  }
  Status Publish() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 || ::rename(temp_.c_str(), path_.c_str()) != 0) {
      ::unlink(temp_.c_str());
      return DataLossError("{}: cannot complete: {}", path_, std::strerror(errno));
    }
    return OkStatus();
  }

 private:
  std::string path_, temp_;
  int fd_ = -1;
};

// Shared state of one download: the next range to fetch, which are done,
// and the first error (which stops every connection).
struct Progress {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<bool> done;
  Status error;
  std::atomic<bool> failed{false};
  size_t next = 0;

  void Fail(Status status) {
    std::lock_guard lock(mu);
    if (error.ok()) error = std::move(status);
    failed = true;
    changed.notify_all();
  }
};

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Md5 = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

Md5 NewMd5() {
  Md5 md5(EVP_MD_CTX_new());
  EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
  return md5;
}

Status CheckMd5(EVP_MD_CTX* md5, const std::string& expected_md5, const std::string& what) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(md5, digest, &n);
  std::string got;
  for (unsigned int i = 0; i < n; ++i) got += fmt::format("{:02x}", digest[i]);
  if (got != expected_md5) return DataLossError("{}: MD5 {} does not match ETag {}", what, got, expected_md5);
  return OkStatus();
}

// One range [begin, end) with If-Match, resumed from the bytes received after
// a retriable failure. md5 (may be null) sees the bytes in order.
Status FetchRange(const S3Config& config, const ObjectRef& object, const std::string& etag, uint64_t begin,
                  uint64_t end, ScratchFile& file, Progress& progress, EVP_MD_CTX* md5, const CancelToken* cancel) {
  S3Config one_attempt = config;
  one_attempt.max_attempts = 1;
  uint64_t received = 0;
  Status write_status, last;
  for (int attempt = 0; received < end - begin; ++attempt) {
    if (attempt >= std::max(1, config.max_attempts))
      return UnavailableError("{} (gave up after {} attempts, {} of {} bytes of range {}-{} received)",
                              last.message(), attempt, received, end - begin, begin, end - 1);
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::duration<double>(config.retry_base_seconds * attempt));
    Request get{"GET", object, "", {fmt::format("Range: bytes={}-{}", begin + received, end - 1)}, nullptr};
    if (!etag.empty()) get.headers.push_back("If-Match: " + etag);
    get.on_body = [&](const char* data, size_t size) {
      if (progress.failed) return false;
      if (received + size > end - begin) {
        write_status = DataLossError("{}: more bytes than the range {}-{} holds", object.ToString("s3"), begin,
                                     end - 1);
        return false;
      }
      if (md5 != nullptr) EVP_DigestUpdate(md5, data, size);
      write_status = file.WriteAt(begin + received, data, size);
      received += size;
      return write_status.ok();
    };
    auto got = Send(one_attempt, get, cancel);
    KILN_RETURN_IF_ERROR(write_status);
    if (progress.failed) return CancelledError("stopped");
    if (got.ok()) {
      if (received < end - begin)
        last = DataLossError("{}: connection ended after {} of {} bytes of range {}-{}", object.ToString("s3"),
                             received, end - begin, begin, end - 1);
      continue;
    }
    if (got.status().code() != StatusCode::kUnavailable) return got.status();
    last = got.status();
  }
  return OkStatus();
}

// MD5 of the file's ranges in order, each read back as soon as it is done.
Status HashInOrder(const ScratchFile& file, uint64_t size, uint64_t range, Progress& progress,
                   const std::string& expected_md5, const std::string& what) {
  Md5 md5 = NewMd5();
  std::string buffer;
  for (size_t r = 0; r < progress.done.size(); ++r) {
    {
      std::unique_lock lock(progress.mu);
      progress.changed.wait(lock, [&] { return progress.done[r] || progress.failed; });
      if (progress.failed) return OkStatus();
    }
    buffer.resize(std::min(range, size - r * range));
    KILN_RETURN_IF_ERROR(file.ReadAt(r * range, buffer.data(), buffer.size()));
    EVP_DigestUpdate(md5.get(), buffer.data(), buffer.size());
  }
  return CheckMd5(md5.get(), expected_md5, what);
}

}  // namespace

Status DownloadRanges(const S3Config& config, const ObjectRef& object, const std::string& etag, uint64_t size,
                      const std::string& expected_md5, const std::string& local_path, const CancelToken* cancel) {
  ScratchFile file;
  KILN_RETURN_IF_ERROR(file.Open(local_path, size));
  Progress progress;
  if (config.download_connections <= 1 || size <= config.download_range_size) {
    // One streaming GET, hashed as it arrives.
    Md5 md5 = expected_md5.empty() ? nullptr : NewMd5();
    KILN_RETURN_IF_ERROR(FetchRange(config, object, etag, 0, size, file, progress, md5.get(), cancel));
    if (md5) KILN_RETURN_IF_ERROR(CheckMd5(md5.get(), expected_md5, object.ToString("s3")));
    return file.Publish();
  }
  const uint64_t range = std::max<uint64_t>(1, config.download_range_size);
  progress.done.assign((size + range - 1) / range, false);
  auto worker = [&] {
    for (;;) {
      size_t r;
      {
        std::lock_guard lock(progress.mu);
        if (progress.failed || progress.next == progress.done.size()) return;
        r = progress.next++;
      }
      const uint64_t begin = r * range;
      Status got =
          FetchRange(config, object, etag, begin, std::min(size, begin + range), file, progress, nullptr, cancel);
      if (!got.ok()) return progress.Fail(std::move(got));
      std::lock_guard lock(progress.mu);
      progress.done[r] = true;
      progress.changed.notify_all();
    }
  };
  Status hashed;
  std::vector<std::thread> threads;
  if (!expected_md5.empty())
    threads.emplace_back([&] {
      hashed = HashInOrder(file, size, range, progress, expected_md5, object.ToString("s3"));
    });
  const size_t connections = std::min<size_t>(config.download_connections, progress.done.size());
  for (size_t i = 0; i < connections; ++i) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  KILN_RETURN_IF_ERROR(progress.error);
  KILN_RETURN_IF_ERROR(hashed);
  return file.Publish();
}

}  // namespace kiln::storage::s3
