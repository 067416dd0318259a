#include "kiln/job/remote_build_assembly.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "kiln/base/byte_sink.h"
#include "kiln/base/mapped_file.h"
#include "kiln/base/stopwatch.h"
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/index/id_map_index.h"

namespace kiln::job {
namespace fs = std::filesystem;
namespace {

// Part numbers: 1..1000 the head (pieces of at most kMaxHeadPart), then the
// copied vectors, then the tail. S3 assembles parts by number; gaps are allowed.
constexpr int kFirstVectorPart = 1001;
constexpr uint64_t kMaxHeadPart = 4ull << 30;  // S3 allows 5 GiB

// Collects a serialization in memory, except for one Append that is exactly
// `payload` (same size, same bytes), which is only counted.
class SpliceSink final : public ByteSink {
 public:
  SpliceSink(const MappedFile& payload, std::string& head, std::string& tail)
      : payload_(payload), head_(head), tail_(tail) {}
  Status Append(const void* data, size_t size) override {
    if (!spliced_ && size == payload_.size() &&
        (data == payload_.data() || EqualsPayload(static_cast<const uint8_t*>(data)))) {
      spliced_ = true;
    } else {
      (spliced_ ? tail_ : head_).append(static_cast<const char*>(data), size);
    }
    position_ += size;
    return OkStatus();
  }
  uint64_t position() const override { return position_; }
  bool spliced() const { return spliced_; }

 private:
  // Compared in chunks, each dropped from memory after it is read: the
  // payload is the size of the stored vectors, which the index holds too.
  bool EqualsPayload(const uint8_t* data) const {
    constexpr size_t kChunk = size_t{8} << 20;
    for (size_t at = 0; at < payload_.size(); at += kChunk) {
      const size_t m = std::min(kChunk, payload_.size() - at);
      const bool equal = std::memcmp(data + at, payload_.data() + at, m) == 0;
      payload_.Release(at, m);
      if (!equal) return false;
    }
    return true;
  }

  const MappedFile& payload_;
  std::string& head_;
  std::string& tail_;
  uint64_t position_ = 0;
  bool spliced_ = false;
};

// The flat storage of built (Flat or HNSW-Flat, optionally in an IDMap)
// when its rows are read in place from a mapped file.
const MappedFile* StoredRowsFile(const index::Index& built) {
  const index::Index* inner = &built;
  if (const auto* map = dynamic_cast<const index::IdMapIndex*>(inner)) inner = &map->inner();
  if (const auto* hnsw = dynamic_cast<const index::HnswIndex*>(inner)) inner = &hnsw->storage();
  const auto* flat = dynamic_cast<const index::FlatIndex*>(inner);
  return flat != nullptr ? flat->rows_file() : nullptr;
}

}  // namespace

StatusOr<std::unique_ptr<IndexAssembly>> IndexAssembly::Start(storage::ObjectStore& store,
                                                              const storage::ObjectRef& destination,
                                                              AssemblySource source, uint64_t head_at_least) {
  std::unique_ptr<IndexAssembly> self(new IndexAssembly(store, destination, std::move(source)));
  auto started = store.StartAssembly(destination, &self->stop_);
  if (started.status().code() == StatusCode::kUnimplemented) return std::unique_ptr<IndexAssembly>();
  KILN_RETURN_IF_ERROR(started.status());
  self->assembly_ = std::move(started).value();
  // Unless the head is sure to reach the minimum part size, part 1 carries the
  // first min_part_size vector bytes. The copied part must reach the minimum
  // too (it is not the last part).
  const uint64_t min_part = self->assembly_->min_part_size();
  self->head_vectors_ = head_at_least >= min_part ? 0 : min_part;
  if (self->source_.bytes < self->head_vectors_ + min_part) return std::unique_ptr<IndexAssembly>();  // aborts
  IndexAssembly* raw = self.get();
  self->copier_ = std::thread([raw] {
    const auto start = std::chrono::steady_clock::now();
    raw->copied_parts_ = raw->assembly_->AddRange(kFirstVectorPart, raw->source_.object, raw->source_.etag, raw->source_.local_path,
                                                  raw->head_vectors_, raw->source_.bytes);
    raw->copy_seconds_ = SecondsSince(start);
  });
  return self;
}

IndexAssembly::~IndexAssembly() {
  stop_.Cancel();
  if (copier_.joinable()) copier_.join();
}

StatusOr<uint64_t> IndexAssembly::Serialize(const index::Index& built) {
  // The index's own mapping of the .knnvec, when it reads its rows from it
  // (the payload is then found by address, without reading it); else a new one.
  std::shared_ptr<const MappedFile> vectors;
  if (const MappedFile* rows = StoredRowsFile(built); rows != nullptr && rows->path() == source_.local_path) {
    vectors = std::shared_ptr<const MappedFile>(std::shared_ptr<const void>(), rows);  // built outlives this call
  } else {
    KILN_ASSIGN_OR_RETURN(vectors, MappedFile::Open(source_.local_path));
  }
  if (vectors->size() != source_.bytes)
    return DataLossError("{}: {} bytes, downloaded {}", source_.local_path, vectors->size(), source_.bytes);
  head_.clear();
  tail_.clear();
  SpliceSink sink(*vectors, head_, tail_);
  KILN_RETURN_IF_ERROR(format::WriteFaissIndex(built, sink));
  spliced_ = sink.spliced();
  if (spliced_) head_.append(reinterpret_cast<const char*>(vectors->data()), head_vectors_);
  index_bytes_ = sink.position();
  return index_bytes_;
}

StatusOr<storage::TransferStats> IndexAssembly::Finish(const std::string& work_dir, const CancelToken* cancel) {
  const auto start = std::chrono::steady_clock::now();
  if (copier_.joinable()) copier_.join();
  const std::string uri = destination_.ToString(store_.scheme());
  if (spliced_ && head_.size() < assembly_->min_part_size()) {  // head_at_least was wrong
    spliced_ = false;
    std::shared_ptr<MappedFile> vectors;
    KILN_ASSIGN_OR_RETURN(vectors, MappedFile::Open(source_.local_path));
    std::string whole = head_.substr(0, head_.size() - head_vectors_);
    whole.append(reinterpret_cast<const char*>(vectors->data()), vectors->size());
    head_ = std::move(whole.append(tail_));
  }
  if (!spliced_) {  // upload the whole serialization instead
    assembly_.reset();
    const std::string local = (fs::path(work_dir) / "index.faiss").string();
    KILN_RETURN_IF_ERROR(WriteFileAtomically(local, head_));
    if (cancel != nullptr && cancel->IsCancelled()) return CancelledError("cancelled before uploading {}", uri);
    auto sent = store_.Upload(local, destination_, cancel);
    if (sent.ok()) sent->seconds = SecondsSince(start);
    return sent;
  }
  KILN_RETURN_IF_ERROR(copied_parts_.status());
  const uint64_t pieces = (head_.size() + kMaxHeadPart - 1) / kMaxHeadPart;
  if (pieces >= kFirstVectorPart)
    return InvalidArgumentError("{}: a {} byte graph is too large to upload", uri, head_.size());
  Status head_sent, tail_sent;
  std::thread tail_sender;
  if (!tail_.empty())
    tail_sender = std::thread([&] { tail_sent = assembly_->PutPart(kFirstVectorPart + *copied_parts_, tail_); });
  if (pieces == 1) {
    head_sent = assembly_->PutPart(1, head_);
  } else {  // even pieces, each far above the minimum part size
    const uint64_t piece = (head_.size() + pieces - 1) / pieces;
    for (uint64_t i = 0; i < pieces && head_sent.ok(); ++i)
      head_sent = assembly_->PutPart(static_cast<int>(i) + 1, head_.substr(i * piece, piece));
  }
  if (tail_sender.joinable()) tail_sender.join();
  KILN_RETURN_IF_ERROR(head_sent);
  KILN_RETURN_IF_ERROR(tail_sent);
  storage::TransferStats stats = assembly_->stats();
  if (stats.bytes + stats.copied_bytes != index_bytes_)
    return InternalError("{}: assembled {} sent + {} copied bytes, the index has {}", uri, stats.bytes,
                         stats.copied_bytes, index_bytes_);
  if (cancel != nullptr && cancel->IsCancelled()) return CancelledError("cancelled before publishing {}", uri);
  const auto commit_start = std::chrono::steady_clock::now();
  KILN_RETURN_IF_ERROR(assembly_->Complete());
  stats.commit_seconds = SecondsSince(commit_start);
  stats.seconds = SecondsSince(start);
  return stats;
}

}  // namespace kiln::job
