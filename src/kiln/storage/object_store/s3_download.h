// Parallel ranged download of one S3 object (internal to the S3 store).
#pragma once

#include <cstdint>
#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/storage/object_store/object_store.h"
#include "kiln/storage/object_store/s3_config.h"

namespace kiln::storage::s3 {

// Writes the `size` bytes of object to local_path ("<local_path>.part" until
// complete, then renamed): one streaming GET, or with download_connections > 1
// ranges of download_range_size over that many connections. Every GET carries
// If-Match: etag (also when a range resumes after a retriable failure).
// expected_md5 (hex, may be empty) is checked over the bytes in order while
// they arrive.
Status DownloadRanges(const S3Config& config, const ObjectRef& object, const std::string& etag, uint64_t size,
                      const std::string& expected_md5, const std::string& local_path, const CancelToken* cancel);

}  // namespace kiln::storage::s3
