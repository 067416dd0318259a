// One S3 multipart upload (internal to the S3 store): parts are sent in any
// order, from any thread, as bytes (UploadPart, with Content-MD5) or as a
// range of another object (UploadPartCopy with x-amz-copy-source-range and
// x-amz-copy-source-if-match). The object appears at
// CompleteMultipartUpload; destroying an uncompleted upload aborts it.
// The upload declares CRC32 checksums: every sent part carries
// x-amz-checksum-crc32 (verified by S3 next to Content-MD5), and the object
// gets a composite CRC32 that S3 builds from the part checksums instead of
// reading the whole object again when it completes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kiln/storage/object_store/object_store.h"
#include "kiln/storage/object_store/s3_config.h"

namespace kiln::storage::s3 {

class MultipartUpload final : public PartAssembly {
 public:
  static StatusOr<std::unique_ptr<MultipartUpload>> Create(const S3Config& config, const ObjectRef& object,
                                                           const CancelToken* cancel);
  ~MultipartUpload() override;
  MultipartUpload(const MultipartUpload&) = delete;
  MultipartUpload& operator=(const MultipartUpload&) = delete;

  uint64_t min_part_size() const override { return config_.min_part_size; }
  Status PutPart(int number, const std::string& bytes) override;
  // Unimplemented when the store answers 501 / NotImplemented.
  Status CopyPart(int number, const ObjectRef& source, const std::string& source_etag, uint64_t begin,
                  uint64_t end);
  StatusOr<int> AddRange(int first_number, const ObjectRef& source, const std::string& source_etag,
                         const std::string& local_copy, uint64_t begin, uint64_t end) override;
  // Sends [begin, end) of local_copy as parts of part_size (the last one up
  // to twice that), concurrency at a time. Returns the parts used.
  StatusOr<int> UploadRange(int first_number, const std::string& local_copy, uint64_t begin, uint64_t end);
  Status Complete() override;
  TransferStats stats() const override;
  // Deletes the upload and its parts (also done by the destructor).
  void Abort();

 private:
  MultipartUpload(const S3Config& config, ObjectRef object, std::string upload_id, const CancelToken* cancel);
  struct Part {
    std::string etag;
    std::string crc32;  // base64; "" when the store did not say
  };
  void Record(int number, Part part, uint64_t sent, uint64_t copied);

  const S3Config config_;
  ObjectRef object_;
  std::string upload_id_;  // URI-encoded
  const CancelToken* cancel_;
  mutable std::mutex mu_;
  std::map<int, Part> parts_;
  TransferStats stats_;
  bool finished_ = false;  // completed or aborted
  std::chrono::steady_clock::time_point start_;
};

}  // namespace kiln::storage::s3
