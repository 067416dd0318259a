#include "kiln/storage/object_store/file_object_store.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/base/stopwatch.h"

namespace kiln::storage {
namespace fs = std::filesystem;

StatusOr<TransferStats> CopyFileAtomically(const std::string& src, const std::string& dst,
                                           const CancelToken* cancel) {
  const auto start = std::chrono::steady_clock::now();
  std::FILE* in = std::fopen(src.c_str(), "rb");
  if (in == nullptr) return NotFoundError("{}: cannot open for reading", src);
  std::error_code ec;
  fs::create_directories(fs::path(dst).parent_path(), ec);
  auto sink_or = AtomicFileSink::Create(dst);
  if (!sink_or.ok()) {
    std::fclose(in);
    return sink_or.status();
  }
  auto sink = std::move(sink_or).value();
  std::vector<char> buffer(8 << 20);
  TransferStats stats;
  Status status;
  while (status.ok()) {
    const size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got > 0) status = sink->Append(buffer.data(), got);
    stats.bytes += got;
    if (got < buffer.size()) {
      if (std::ferror(in)) status = DataLossError("{}: read error after {} bytes", src, stats.bytes);
      break;
    }
    if (cancel != nullptr && cancel->IsCancelled()) status = CancelledError("cancelled while copying {}", src);
  }
  std::fclose(in);
  KILN_RETURN_IF_ERROR(status);
  KILN_RETURN_IF_ERROR(sink->Publish());
  stats.seconds = SecondsSince(start);
  return stats;
}

StatusOr<std::string> FileObjectStore::PathOf(const ObjectRef& object) const {
  KILN_RETURN_IF_ERROR(ValidateObjectRef(object));
  return (fs::path(root_) / object.bucket / object.key).string();
}

StatusOr<uint64_t> FileObjectStore::Size(const ObjectRef& object) {
  KILN_ASSIGN_OR_RETURN(std::string path, PathOf(object));
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) return NotFoundError("{}: no such object ({})", object.ToString("file"), path);
  return size;
}

StatusOr<TransferStats> FileObjectStore::Download(const ObjectRef& object, const std::string& local_path,
                                                  const CancelToken* cancel) {
  KILN_ASSIGN_OR_RETURN(std::string path, PathOf(object));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFoundError("{}: no such object ({})", object.ToString("file"), path);
  return CopyFileAtomically(path, local_path, cancel);
}

StatusOr<TransferStats> FileObjectStore::Upload(const std::string& local_path, const ObjectRef& object,
                                                const CancelToken* cancel) {
  KILN_ASSIGN_OR_RETURN(std::string path, PathOf(object));
  return CopyFileAtomically(local_path, path, cancel);
}

}  // namespace kiln::storage
