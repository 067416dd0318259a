// kiln serve's remote build without sending the vectors twice. The Faiss
// file of a flat-storage index (IxMp → IHNf → IxF2, or IxF2 alone) holds the
// float32 vectors verbatim, in input order, and for a float / half_float
// .knnvec those are exactly the bytes of the source object. So the index is
// published as one multipart upload:
//   part 1(..1000)  the bytes before the vector payload (for HNSW the graph,
//                   whose size is known to exceed S3's 5 MiB minimum part
//                   size from n and M), else those bytes + the first
//                   min_part_size bytes of the vectors
//   parts 1001..    the (rest of the) vectors, copied inside the store from the
//                   .knnvec (UploadPartCopy, If-Match its download ETag),
//                   started as soon as the download ends, while the index builds
//   the next part   the bytes after the vectors (ids), when there are any
// Serialize checks that the payload really equals the .knnvec, byte for
// byte (or is read from the downloaded .knnvec itself: an HNSW-Flat built by
// HnswIndex::AddOwnedMapped stores its rows in the mapped file); when it does not (rows dropped, normalized vectors) the whole index
// is uploaded instead. Nothing is visible before CompleteMultipartUpload;
// failure and cancellation abort the upload.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "kiln/base/exec_context.h"
#include "kiln/index/index.h"
#include "kiln/storage/object_store/object_store.h"

namespace kiln::job {

struct AssemblySource {
  storage::ObjectRef object;  // the .knnvec, in the destination's store
  std::string etag;           // as downloaded
  std::string local_path;     // the downloaded copy
  uint64_t bytes = 0;
};

class IndexAssembly {
 public:
  // Starts the upload of `destination` and the copy of the vectors in the
  // background. head_at_least: a lower bound of the bytes before the vector
  // payload. nullptr (not an error) when the store has no multipart uploads
  // or the vectors are too small to split into parts.
  static StatusOr<std::unique_ptr<IndexAssembly>> Start(storage::ObjectStore& store,
                                                        const storage::ObjectRef& destination, AssemblySource source,
                                                        uint64_t head_at_least);
  ~IndexAssembly();  // stops the copy; aborts the upload unless Finish succeeded
  IndexAssembly(const IndexAssembly&) = delete;
  IndexAssembly& operator=(const IndexAssembly&) = delete;

  // For BuildRequest::write_index: the Faiss serialization of `built`, kept
  // in memory around the vector payload. Returns the index size in bytes.
  StatusOr<uint64_t> Serialize(const index::Index& built);
  // Waits for the copy, sends the other parts and completes the upload
  // (or uploads the whole index through work_dir when Serialize found no
  // verbatim payload). seconds: the time spent here, after the build.
  StatusOr<storage::TransferStats> Finish(const std::string& work_dir, const CancelToken* cancel);
  // Seconds the vector copy took, overlapped with the build.
  double copy_seconds() const { return copy_seconds_; }

 private:
  IndexAssembly(storage::ObjectStore& store, storage::ObjectRef destination, AssemblySource source)
      : store_(store), destination_(std::move(destination)), source_(std::move(source)) {}

  storage::ObjectStore& store_;
  storage::ObjectRef destination_;
  AssemblySource source_;
  CancelToken stop_;  // before assembly_: the upload's requests watch it
  std::unique_ptr<storage::PartAssembly> assembly_;
  uint64_t head_vectors_ = 0;  // vector bytes sent in part 1 (0 or min_part_size)
  std::thread copier_;
  StatusOr<int> copied_parts_{InternalError("vector copy did not run")};
  double copy_seconds_ = 0;
  std::string head_, tail_;  // serialized bytes before / after the payload
  bool spliced_ = false;     // the payload was found verbatim
  uint64_t index_bytes_ = 0;
};

}  // namespace kiln::job
