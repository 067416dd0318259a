#include "kiln/storage/object_store/s3_multipart.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "kiln/base/stopwatch.h"
#include "kiln/storage/object_store/s3_http.h"
#include "kiln/storage/object_store/s3_object_store.h"

namespace kiln::storage::s3 {
namespace {

// The ETag of an XML answer (<ETag>&quot;...&quot;</ETag>), quotes unescaped.
std::string XmlEtag(const std::string& xml) {
  const std::string field = XmlField(xml, "ETag");
  std::string etag;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field.compare(i, 6, "&quot;") == 0) {
      etag += '"';
      i += 5;
    } else {
      etag += field[i];
    }
  }
  return etag;
}

// x-amz-checksum-crc32: the big-endian CRC32 of the bytes, base64.
std::string Crc32Base64(const std::string& bytes) {
  const uLong crc = crc32_z(0L, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
  const unsigned char be[4] = {static_cast<unsigned char>(crc >> 24), static_cast<unsigned char>(crc >> 16),
                               static_cast<unsigned char>(crc >> 8), static_cast<unsigned char>(crc)};
  unsigned char out[16];
  const int n = EVP_EncodeBlock(out, be, 4);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

// Reads [offset, offset + size) of an open file.
Status PreadAll(int fd, uint64_t offset, std::string& out, const std::string& path) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return DataLossError("{}: short read at offset {} while uploading", path, offset + done);
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<MultipartUpload>> MultipartUpload::Create(const S3Config& config, const ObjectRef& object,
                                                                   const CancelToken* cancel) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  Request create{"POST", object, "uploads=", {"x-amz-checksum-algorithm: CRC32"}, nullptr};
  KILN_ASSIGN_OR_RETURN(Response created, Send(config, create, cancel));
  const std::string id = XmlField(created.body, "UploadId");
  if (id.empty())
    return InternalError("S3 CreateMultipartUpload {}: no UploadId in the answer", object.ToString("s3"));
  return std::unique_ptr<MultipartUpload>(new MultipartUpload(config, object, AwsUriEncode(id, false), cancel));
}

MultipartUpload::MultipartUpload(const S3Config& config, ObjectRef object, std::string upload_id,
                                 const CancelToken* cancel)
    : config_(config), object_(std::move(object)), upload_id_(std::move(upload_id)), cancel_(cancel),
      start_(std::chrono::steady_clock::now()) {}

MultipartUpload::~MultipartUpload() { Abort(); }

void MultipartUpload::Abort() {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
  }
  Request del{"DELETE", object_, "uploadId=" + upload_id_, {}, nullptr};
  Send(config_, del, nullptr).status().IgnoreError();  // the caller's error is what matters
}

void MultipartUpload::Record(int number, Part part, uint64_t sent, uint64_t copied) {
  std::lock_guard lock(mu_);
  parts_[number] = std::move(part);
  stats_.bytes += sent;
  stats_.copied_bytes += copied;
}

Status MultipartUpload::PutPart(int number, const std::string& bytes) {
  const std::string crc = Crc32Base64(bytes);
  Request put{"PUT",
              object_,
              fmt::format("partNumber={}&uploadId={}", number, upload_id_),
              {"Content-MD5: " + Md5Base64(bytes.data(), bytes.size()), "x-amz-checksum-crc32: " + crc},
              &bytes,
              true};
  KILN_ASSIGN_OR_RETURN(Response sent, Send(config_, put, cancel_));
  Record(number, {sent.etag, crc}, bytes.size(), 0);
  return OkStatus();
}

Status MultipartUpload::CopyPart(int number, const ObjectRef& source, const std::string& source_etag,
                                 uint64_t begin, uint64_t end) {
  Request copy{"PUT",
               object_,
               fmt::format("partNumber={}&uploadId={}", number, upload_id_),
               {fmt::format("x-amz-copy-source: {}/{}", source.bucket, AwsUriEncode(source.key, true)),
                fmt::format("x-amz-copy-source-range: bytes={}-{}", begin, end - 1)},
               nullptr};
  if (!source_etag.empty()) copy.headers.push_back("x-amz-copy-source-if-match: " + source_etag);
  copy.sign_here = true;
  auto sent = Send(config_, copy, cancel_);
  if (!sent.ok()) {
    if (sent.status().message().find("NotImplemented") != std::string::npos)
      return UnimplementedError("{}", sent.status().message());
    return sent.status();
  }
  // Like CompleteMultipartUpload, a copy may answer 200 with an <Error> body.
  const std::string etag = XmlEtag(sent->body);
  if (sent->body.find("<Error>") != std::string::npos || etag.empty())
    return UnavailableError("S3 UploadPartCopy {} from {}: {}", object_.ToString("s3"), source.ToString("s3"),
                            sent->body);
  Record(number, {etag, XmlField(sent->body, "ChecksumCRC32")}, 0, end - begin);
  return OkStatus();
}

StatusOr<int> MultipartUpload::AddRange(int first_number, const ObjectRef& source, const std::string& source_etag,
                                        const std::string& local_copy, uint64_t begin, uint64_t end) {
  if (config_.server_side_copy && end > begin) {
    // Even pieces of at most max_copy_part_size.
    const uint64_t length = end - begin, max = std::max<uint64_t>(1, config_.max_copy_part_size);
    const uint64_t count = (length + max - 1) / max, piece = (length + count - 1) / count;
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t b = begin + i * piece, e = std::min(end, b + piece);
      const Status copied = CopyPart(first_number + static_cast<int>(i), source, source_etag, b, e);
      if (copied.code() == StatusCode::kUnimplemented && i == 0) break;  // send the bytes instead
      if (!copied.ok()) return copied;
      if (i + 1 == count) return static_cast<int>(count);
    }
  }
  return UploadRange(first_number, local_copy, begin, end);
}

StatusOr<int> MultipartUpload::UploadRange(int first_number, const std::string& local_copy, uint64_t begin,
                                           uint64_t end) {
  const int fd = ::open(local_copy.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFoundError("{}: cannot open for upload: {}", local_copy, std::strerror(errno));
  // Parts of part_size; the last one takes the remainder (so it is never
  // smaller than part_size unless the whole range is).
  const uint64_t length = end - begin, part = std::max<uint64_t>(1, config_.part_size);
  const uint64_t count = std::max<uint64_t>(1, length / part);
  const uint64_t per_window = static_cast<uint64_t>(std::max(1, config_.concurrency));
  Status status;
  for (uint64_t first = 0; first < count && status.ok(); first += per_window) {
    const uint64_t window = std::min(per_window, count - first);
    std::vector<Status> sent(window);
    std::vector<std::thread> threads;
    for (uint64_t i = 0; i < window; ++i) {
      threads.emplace_back([&, i] {
        const uint64_t index = first + i, offset = begin + index * part;
        std::string body(index + 1 == count ? end - offset : part, '\0');
        sent[i] = PreadAll(fd, offset, body, local_copy);
        if (sent[i].ok()) sent[i] = PutPart(first_number + static_cast<int>(index), body);
      });
    }
    for (std::thread& t : threads) t.join();
    for (const Status& s : sent)
      if (!s.ok() && status.ok()) status = s;
  }
  ::close(fd);
  KILN_RETURN_IF_ERROR(status);
  return static_cast<int>(count);
}

Status MultipartUpload::Complete() {
  std::string complete = "<CompleteMultipartUpload>";
  {
    std::lock_guard lock(mu_);
    if (parts_.empty()) return InternalError("S3 CompleteMultipartUpload {}: no parts", object_.ToString("s3"));
    for (const auto& [number, part] : parts_) {
      complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag>", number, part.etag);
      if (!part.crc32.empty()) complete += fmt::format("<ChecksumCRC32>{}</ChecksumCRC32>", part.crc32);
      complete += "</Part>";
    }
  }
  complete += "</CompleteMultipartUpload>";
  if (cancel_ != nullptr && cancel_->IsCancelled())
    return CancelledError("cancelled before completing the upload of {}", object_.ToString("s3"));
  Request finish{"POST", object_, "uploadId=" + upload_id_, {}, &complete};
  KILN_ASSIGN_OR_RETURN(Response done, Send(config_, finish, cancel_));
  // S3 may answer 200 with an <Error> body on CompleteMultipartUpload.
  if (done.body.find("<Error>") != std::string::npos)
    return UnavailableError("S3 CompleteMultipartUpload {}: {}", object_.ToString("s3"), done.body);
  std::lock_guard lock(mu_);
  finished_ = true;
  stats_.seconds = SecondsSince(start_);
  return OkStatus();
}

TransferStats MultipartUpload::stats() const {
  std::lock_guard lock(mu_);
  TransferStats out = stats_;
  if (!finished_) out.seconds = SecondsSince(start_);
  return out;
}

}  // namespace kiln::storage::s3
