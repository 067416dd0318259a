// s3:// object store on libcurl's SigV4 signer (CURLOPT_AWS_SIGV4).
//   Download: HEAD for the size and ETag, then one streaming GET, or
//     download_connections connections fetching ranges of
//     download_range_size into the file (pwrite at their offsets). Every GET
//     carries If-Match: <ETag>, so an object replaced meanwhile fails with
//     FailedPrecondition instead of mixing bytes; a retriable failure resumes
//     from the bytes received (If-Match again). The MD5 of a single-part
//     object is checked against its ETag.
//   Upload: one PUT up to multipart_threshold, else a multipart upload
//     (`concurrency` parts at a time; aborted on any error, so nothing
//     partial ever becomes visible). StartAssembly: a multipart upload whose
//     parts may be copied from other objects (s3_multipart.h). Every
//     body carries Content-MD5, which S3 verifies (x-amz-content-sha256 is
//     UNSIGNED-PAYLOAD for object bodies, the body hash for the rest).
//   Each request is retried on 5xx/429, timeouts and connection errors with
//   exponential backoff and full jitter (max_attempts in all).
// curl 7.88 quirks handled here: x-amz-content-sha256 is added by hand, the
// query string is signed verbatim (so it is written pre-sorted and encoded),
// and Content-Type is always application/octet-stream for bodies.
#pragma once

#include <string>

#include "kiln/storage/object_store/object_store.h"
#include "kiln/storage/object_store/s3_config.h"

namespace kiln::storage {

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Config config);
  std::string_view scheme() const override { return "s3"; }
  StatusOr<uint64_t> Size(const ObjectRef& object) override;
  StatusOr<TransferStats> Download(const ObjectRef& object, const std::string& local_path,
                                   const CancelToken* cancel) override;
  // Download, but only while the object has ETag `etag` (FailedPrecondition
  // naming HTTP 412 otherwise); etag "" accepts the current object.
  StatusOr<TransferStats> DownloadMatching(const ObjectRef& object, const std::string& local_path,
                                           const std::string& etag, const CancelToken* cancel);
  StatusOr<TransferStats> Upload(const std::string& local_path, const ObjectRef& object,
                                 const CancelToken* cancel) override;
  StatusOr<std::unique_ptr<PartAssembly>> StartAssembly(const ObjectRef& object, const CancelToken* cancel) override;
  const S3Config& config() const { return config_; }

 private:
  S3Config config_;
};

// AWS URI encoding: unreserved characters stay, the rest become %XX;
// '/' stays when keep_slash (object keys).
std::string AwsUriEncode(std::string_view text, bool keep_slash);

}  // namespace kiln::storage
