// file:// object store: bucket B, key K live at ROOT/B/K. Uploads and
// downloads go through a temporary name and a rename, so readers never see a
// partial object.
#pragma once

#include <string>

#include "kiln/storage/object_store/object_store.h"

namespace kiln::storage {

class FileObjectStore final : public ObjectStore {
 public:
  explicit FileObjectStore(std::string root) : root_(std::move(root)) {}
  std::string_view scheme() const override { return "file"; }
  StatusOr<uint64_t> Size(const ObjectRef& object) override;
  StatusOr<TransferStats> Download(const ObjectRef& object, const std::string& local_path,
                                   const CancelToken* cancel) override;
  StatusOr<TransferStats> Upload(const std::string& local_path, const ObjectRef& object,
                                 const CancelToken* cancel) override;
  // ROOT/bucket/key (after validation).
  StatusOr<std::string> PathOf(const ObjectRef& object) const;

 private:
  std::string root_;
};

// Copies src to dst through dst's temporary name, checking `cancel` between
// 8 MiB blocks. Used by the file store and by tests.
StatusOr<TransferStats> CopyFileAtomically(const std::string& src, const std::string& dst,
                                           const CancelToken* cancel);

}  // namespace kiln::storage
