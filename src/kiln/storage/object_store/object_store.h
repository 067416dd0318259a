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
  uint64_t bytes = 0;         // sent or received over the wire
  double seconds = 0;
  uint64_t copied_bytes = 0;  // copied inside the store (UploadPartCopy), not sent
  std::string etag;           // downloads: the object's ETag (quotes kept); "" when unknown
  double commit_seconds = 0;  // of seconds: the store's final commit (CompleteMultipartUpload)
};

// An object written as numbered parts (1..10000, gaps allowed), sent in any
// order and from any thread. It becomes visible only when Complete() succeeds; destroying
// it before that aborts it, so nothing is published.
class PartAssembly {
 public:
  virtual ~PartAssembly() = default;
  // Every part but the last must be at least this large.
  virtual uint64_t min_part_size() const = 0;
  virtual Status PutPart(int number, const std::string& bytes) = 0;
  // Parts first_number, first_number+1, ... hold bytes [begin, end) of
  // `source` (an object of the same store that must still have ETag
  // source_etag): copied inside the store when it can, else read from
  // local_copy (the same bytes on disk) and sent. Returns the parts used.
  virtual StatusOr<int> AddRange(int first_number, const ObjectRef& source, const std::string& source_etag,
                                 const std::string& local_copy, uint64_t begin, uint64_t end) = 0;
  // Publishes the parts sent, in the order of their numbers.
  virtual Status Complete() = 0;
  virtual TransferStats stats() const = 0;
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
  // Starts writing `object` as parts; Unimplemented where the store has no
  // multipart uploads (the file store), so callers use Upload instead.
  virtual StatusOr<std::unique_ptr<PartAssembly>> StartAssembly(const ObjectRef& object, const CancelToken* cancel);
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
