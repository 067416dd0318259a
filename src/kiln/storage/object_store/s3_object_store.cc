#include "kiln/storage/object_store/s3_object_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "kiln/storage/object_store/s3_http.h"

namespace kiln::storage {
namespace fs = std::filesystem;
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string Hex(const unsigned char* data, unsigned int n) {
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

// The MD5 an ETag names for single-part objects ("\"<32 hex>\""); empty for
// multipart ETags ("...-N"), which are not a digest of the bytes.
std::string Md5FromEtag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag.size() != 32) return "";
  for (char c : etag)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
  for (char& c : etag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return etag;
}

StatusOr<std::string> ReadPart(std::FILE* in, uint64_t size, const std::string& path) {
  std::string part(size, '\0');
  if (size > 0 && std::fread(part.data(), 1, size, in) != size)
    return DataLossError("{}: short read while uploading", path);
  return part;
}

// HEAD answers carry no error body; on a 403/404 a one-byte GET fetches S3's
// <Code>/<Message> (SignatureDoesNotMatch, NoSuchKey, ...) for the message.
StatusOr<s3::Response> Head(const S3Config& config, const ObjectRef& object, const CancelToken* cancel) {
  s3::Request head{"HEAD", object, "", {}, nullptr};
  auto response = s3::Send(config, head, cancel);
  if (response.ok()) return response;
  const StatusCode code = response.status().code();
  if (code != StatusCode::kPermissionDenied && code != StatusCode::kNotFound) return response;
  s3::Request probe{"GET", object, "", {"Range: bytes=0-0"}, nullptr};
  auto detail = s3::Send(config, probe, cancel);
  if (!detail.ok() && detail.status().code() == code) return detail.status();
  return response;
}

// A download target: bytes go to "<path>.part" and are renamed to `path`
// when complete. No fsync: downloads are scratch copies, and skipping it
// keeps a 200 MB transfer from waiting on the disk.
class ScratchFile {
 public:
  ~ScratchFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }
  Status Open(const std::string& path) {
    path_ = path;
    temp_ = path + ".part";
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return PermissionDeniedError("{}: cannot create: {}", temp_, std::strerror(errno));
    return OkStatus();
  }
  Status Append(const char* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return DataLossError("{}: write failed: {}", temp_, std::strerror(errno));
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

}  // namespace

std::string AwsUriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

S3ObjectStore::S3ObjectStore(S3Config config) : config_(std::move(config)) {}

StatusOr<uint64_t> S3ObjectStore::Size(const ObjectRef& object) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  KILN_ASSIGN_OR_RETURN(s3::Response response, Head(config_, object, nullptr));
  return response.content_length;
}

StatusOr<TransferStats> S3ObjectStore::Download(const ObjectRef& object, const std::string& local_path,
                                                const CancelToken* cancel) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  const auto start = std::chrono::steady_clock::now();
  KILN_ASSIGN_OR_RETURN(s3::Response meta, Head(config_, object, cancel));
  const uint64_t total = meta.content_length;
  const std::string expected_md5 = Md5FromEtag(meta.etag);

  std::error_code ec;
  fs::create_directories(fs::path(local_path).parent_path(), ec);
  ScratchFile sink;
  KILN_RETURN_IF_ERROR(sink.Open(local_path));
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> md5(EVP_MD_CTX_new());
  EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
  // One streaming GET written straight to the file; after a retriable
  // failure the next attempt resumes with "Range: bytes=<received>-".
  uint64_t received = 0;
  Status write_status;
  S3Config one_attempt = config_;
  one_attempt.max_attempts = 1;
  Status last;
  for (int attempt = 0; received < total || attempt == 0; ++attempt) {
    if (attempt >= std::max(1, config_.max_attempts))
      return UnavailableError("{} (gave up after {} attempts, {} of {} bytes received)", last.message(), attempt,
                              received, total);
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::duration<double>(config_.retry_base_seconds * attempt));
    s3::Request get{"GET", object, "", {}, nullptr};
    if (received > 0) get.headers.push_back(fmt::format("Range: bytes={}-", received));
    get.on_body = [&](const char* data, size_t size) {
      if (received + size > total) {
        write_status = DataLossError("{}: more bytes than the {} announced", object.ToString("s3"), total);
        return false;
      }
      EVP_DigestUpdate(md5.get(), data, size);
      write_status = sink.Append(data, size);
      received += size;
      return write_status.ok();
    };
    auto got = s3::Send(one_attempt, get, cancel);
    KILN_RETURN_IF_ERROR(write_status);
    if (got.ok()) {
      if (received == total) break;
      last = DataLossError("{}: connection ended after {} of {} bytes", object.ToString("s3"), received, total);
      continue;
    }
    if (got.status().code() != StatusCode::kUnavailable) return got.status();
    last = got.status();
  }
  if (received != total)
    return DataLossError("{}: received {} of {} bytes", object.ToString("s3"), received, total);
  if (!expected_md5.empty()) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md5.get(), digest, &n);
    const std::string got = Hex(digest, n);
    if (got != expected_md5)
      return DataLossError("{}: MD5 {} does not match ETag {}", object.ToString("s3"), got, expected_md5);
  }
  KILN_RETURN_IF_ERROR(sink.Publish());
  return TransferStats{total, SecondsSince(start)};
}

StatusOr<TransferStats> S3ObjectStore::Upload(const std::string& local_path, const ObjectRef& object,
                                              const CancelToken* cancel) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  const uint64_t total = fs::file_size(local_path, ec);
  if (ec) return NotFoundError("{}: cannot upload: {}", local_path, ec.message());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(local_path.c_str(), "rb"), &std::fclose);
  if (!in) return NotFoundError("{}: cannot open for upload", local_path);

  if (total <= config_.multipart_threshold) {
    KILN_ASSIGN_OR_RETURN(std::string body, ReadPart(in.get(), total, local_path));
    s3::Request put{"PUT", object, "", {"Content-MD5: " + s3::Md5Base64(body.data(), body.size())}, &body, true};
    KILN_RETURN_IF_ERROR(s3::Send(config_, put, cancel).status());
    return TransferStats{total, SecondsSince(start)};
  }

  s3::Request create{"POST", object, "uploads=", {}, nullptr};
  KILN_ASSIGN_OR_RETURN(s3::Response created, s3::Send(config_, create, cancel));
  const size_t b = created.body.find("<UploadId>"), e = created.body.find("</UploadId>");
  if (b == std::string::npos || e == std::string::npos)
    return InternalError("S3 CreateMultipartUpload {}: no UploadId in the answer", object.ToString("s3"));
  const std::string upload_id = AwsUriEncode(created.body.substr(b + 10, e - b - 10), false);
  auto abort = [&](const Status& cause) {
    s3::Request del{"DELETE", object, "uploadId=" + upload_id, {}, nullptr};
    s3::Send(config_, del, nullptr).status().IgnoreError();  // the cause is what matters
    return cause;
  };
  std::string complete = "<CompleteMultipartUpload>";
  // Windows of `concurrency` parts are read and uploaded in parallel.
  const uint64_t part_count = (total + config_.part_size - 1) / config_.part_size;
  const uint64_t per_window = static_cast<uint64_t>(std::max(1, config_.concurrency));
  for (uint64_t first = 0; first < part_count; first += per_window) {
    const uint64_t count = std::min(per_window, part_count - first);
    std::vector<std::string> bodies(count);
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t size = std::min(config_.part_size, total - (first + i) * config_.part_size);
      auto body = ReadPart(in.get(), size, local_path);
      if (!body.ok()) return abort(body.status());
      bodies[i] = std::move(body).value();
    }
    std::vector<StatusOr<s3::Response>> sent(count, StatusOr<s3::Response>(InternalError("not run")));
    std::vector<std::thread> threads;
    for (uint64_t i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        s3::Request put{"PUT", object, fmt::format("partNumber={}&uploadId={}", first + i + 1, upload_id),
                        {"Content-MD5: " + s3::Md5Base64(bodies[i].data(), bodies[i].size())}, &bodies[i], true};
        sent[i] = s3::Send(config_, put, cancel);
      });
    }
    for (std::thread& t : threads) t.join();
    for (uint64_t i = 0; i < count; ++i) {
      if (!sent[i].ok()) return abort(sent[i].status());
      complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", first + i + 1,
                              sent[i]->etag);
    }
  }
  complete += "</CompleteMultipartUpload>";
  if (cancel != nullptr && cancel->IsCancelled())
    return abort(CancelledError("cancelled before completing the upload of {}", object.ToString("s3")));
  s3::Request finish{"POST", object, "uploadId=" + upload_id, {}, &complete};
  auto done = s3::Send(config_, finish, cancel);
  if (!done.ok()) return abort(done.status());
  // S3 may answer 200 with an <Error> body on CompleteMultipartUpload.
  if (done->body.find("<Error>") != std::string::npos)
    return abort(UnavailableError("S3 CompleteMultipartUpload {}: {}", object.ToString("s3"), done->body));
  return TransferStats{total, SecondsSince(start)};
}

}  // namespace kiln::storage
