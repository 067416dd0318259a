#include "kiln/storage/object_store/s3_object_store.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "kiln/base/stopwatch.h"
#include "kiln/storage/object_store/s3_download.h"
#include "kiln/storage/object_store/s3_http.h"
#include "kiln/storage/object_store/s3_multipart.h"

namespace kiln::storage {
namespace fs = std::filesystem;
namespace {

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

// HEAD answers carry no error body; on a 403/404 a one-byte GET fetches S3's
// <Code>/<Message> (SignatureDoesNotMatch, NoSuchKey, ...) for the message.
// With etag set, the object must still have it (412 → FailedPrecondition).
StatusOr<s3::Response> Head(const S3Config& config, const ObjectRef& object, const std::string& etag,
                            const CancelToken* cancel) {
  s3::Request head{"HEAD", object, "", {}, nullptr};
  if (!etag.empty()) head.headers.push_back("If-Match: " + etag);
  auto response = s3::Send(config, head, cancel);
  if (response.ok()) return response;
  const StatusCode code = response.status().code();
  if (code != StatusCode::kPermissionDenied && code != StatusCode::kNotFound) return response;
  s3::Request probe{"GET", object, "", {"Range: bytes=0-0"}, nullptr};
  auto detail = s3::Send(config, probe, cancel);
  if (!detail.ok() && detail.status().code() == code) return detail.status();
  return response;
}

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
  KILN_ASSIGN_OR_RETURN(s3::Response response, Head(config_, object, "", nullptr));
  return response.content_length;
}

StatusOr<TransferStats> S3ObjectStore::Download(const ObjectRef& object, const std::string& local_path,
                                                const CancelToken* cancel) {
  return DownloadMatching(object, local_path, "", cancel);
}

StatusOr<TransferStats> S3ObjectStore::DownloadMatching(const ObjectRef& object, const std::string& local_path,
                                                        const std::string& etag, const CancelToken* cancel) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  const auto start = std::chrono::steady_clock::now();
  KILN_ASSIGN_OR_RETURN(s3::Response meta, Head(config_, object, etag, cancel));
  KILN_RETURN_IF_ERROR(s3::DownloadRanges(config_, object, meta.etag, meta.content_length, Md5FromEtag(meta.etag),
                                          local_path, cancel));
  return TransferStats{meta.content_length, SecondsSince(start), 0, meta.etag};
}

StatusOr<TransferStats> S3ObjectStore::Upload(const std::string& local_path, const ObjectRef& object,
                                              const CancelToken* cancel) {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  const uint64_t total = fs::file_size(local_path, ec);
  if (ec) return NotFoundError("{}: cannot upload: {}", local_path, ec.message());

  if (total <= config_.multipart_threshold) {
    std::ifstream in(local_path, std::ios::binary);
    std::string body(total, '\0');
    if (!in || !in.read(body.data(), static_cast<std::streamsize>(total)))
      return DataLossError("{}: short read while uploading", local_path);
    s3::Request put{"PUT", object, "", {"Content-MD5: " + s3::Md5Base64(body.data(), body.size())}, &body, true};
    KILN_RETURN_IF_ERROR(s3::Send(config_, put, cancel).status());
    return TransferStats{total, SecondsSince(start)};
  }
  KILN_ASSIGN_OR_RETURN(auto upload, s3::MultipartUpload::Create(config_, object, cancel));
  KILN_RETURN_IF_ERROR(upload->UploadRange(1, local_path, 0, total).status());
  KILN_RETURN_IF_ERROR(upload->Complete());  // the destructor aborts on any error
  return TransferStats{total, SecondsSince(start)};
}

StatusOr<std::unique_ptr<PartAssembly>> S3ObjectStore::StartAssembly(const ObjectRef& object,
                                                                     const CancelToken* cancel) {
  KILN_ASSIGN_OR_RETURN(auto upload, s3::MultipartUpload::Create(config_, object, cancel));
  return std::unique_ptr<PartAssembly>(std::move(upload));
}

}  // namespace kiln::storage
