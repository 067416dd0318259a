// AWS Signature Version 4 for S3 requests that curl 7.88's CURLOPT_AWS_SIGV4
// signs wrongly: it sorts canonical headers as "name:value" lines, so
// "x-amz-copy-source-range" lands before "x-amz-copy-source" (S3 sorts by
// name) and UploadPartCopy gets SignatureDoesNotMatch. Internal to the S3 store.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "kiln/storage/object_store/s3_config.h"

namespace kiln::storage::s3 {

// The headers to add to a request ("Authorization: ...", "x-amz-date: ...")
// that sign `method url` with the given "Name: value" headers (all of them
// signed, plus host) and payload hash, at time `now` (UTC).
std::vector<std::string> SignV4(const S3Config& config, const std::string& method, const std::string& url,
                                const std::vector<std::string>& headers, const std::string& payload_hash,
                                std::time_t now);

}  // namespace kiln::storage::s3
