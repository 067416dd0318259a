// ObjectStore: where kiln serve reads vector blobs from and publishes indexes
// to. Two backends: a local directory tree (file://, the embedded default)
// and S3 (any endpoint, SigV4 via libcurl). Objects are addressed by
// (bucket, key); keys are validated before any I/O (ValidateObjectKey).
//
// Transfers go between the store and local files: downloads land under a
// temporary name and are renamed when complete and verified; uploads are
// atomic for readers (file store: temp + rename; S3: a single PUT or a
// multipart upload that only becomes visible when completed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"

namespace kiln::storage {

struct ObjectRef {
  std::string bucket;
  std::string key;
  std::string ToString(std::string_view scheme) const;
};

// Bytes moved and seconds spent by one transfer (for metrics and reports).
struct TransferStats {
  uint64_t bytes = 0;
  double seconds = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // "file" or "s3".
  virtual std::string_view scheme() const = 0;
  // Size of the object; NotFound naming it when missing.
  virtual StatusOr<uint64_t> Size(const ObjectRef& object) = 0;
  // Copies the whole object to local_path (replaced atomically). Cancelled
  // when `cancel` fires; DataLoss when fewer bytes arrive than announced.
  virtual StatusOr<TransferStats> Download(const ObjectRef& object, const std::string& local_path,
                                           const CancelToken* cancel) = 0;
  // Publishes the local file as the object; readers see the old object or the
  // complete new one, never a part.
  virtual StatusOr<TransferStats> Upload(const std::string& local_path, const ObjectRef& object,
                                         const CancelToken* cancel) = 0;
};

// InvalidArgument unless the bucket is a plausible bucket name (1..63 of
// [a-z0-9.-_]) and the key is non-empty, relative, at most 1024 bytes, free of
// NUL/backslash and of "." or ".." path segments.
Status ValidateObjectRef(const ObjectRef& object);

// Parses "s3://bucket/key" or "file://bucket/key" into scheme + ref.
struct ObjectUri {
  std::string scheme;
  ObjectRef ref;
};
StatusOr<ObjectUri> ParseObjectUri(std::string_view uri);

}  // namespace kiln::storage
