// A build whose input and output live in object stores (kiln serve): the
// vectors (and ids) are downloaded to a private work directory, built with
// RunBuild, and the index is uploaded to its destination. An OpenSearch
// index (index_only) of a float / half_float .knnvec in S3 is assembled in
// the store instead (remote_build_assembly.h): the vectors are copied there
// from the .knnvec while the index builds, and only the graph and ids are
// sent. Nothing is published unless every step succeeded and the job was not
// cancelled.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/job/build_job.h"
#include "kiln/storage/object_store/object_store.h"

namespace kiln::job {

struct RemoteBuildSpec {
  std::string source_uri;            // s3://bucket/key, file://bucket/key or postgresql://...
  std::string source_table;          // postgresql:// sources: every non-NULL vector of table.column
  std::string source_column;
  std::string ids_uri;               // optional .knndid / .npy ids
  // Where the index goes. index_only: exactly this object (OpenSearch's
  // <vector_path>.faiss). Otherwise a prefix: <prefix>/faiss.index and
  // <prefix>/kiln.json.
  std::string output_uri;
  bool index_only = false;
  std::optional<size_t> expected_n;  // OpenSearch doc_count: blob sizes must match
  BuildRequest build;                // index definition, metric, read options (paths are filled in)
};

struct RemoteBuildResult {
  BuildReport report;
  storage::TransferStats download;  // vectors + ids
  storage::TransferStats upload;   // seconds: after the build (the part on the critical path)
  double overlapped_upload_seconds = 0;  // vectors copied in the store while the index built
  std::string index_uri;            // the published index object
  BuildRequest local_request;       // the build as run, with the local input/ids/output paths
};

// Resolves a URI scheme ("s3", "file") to the store that serves it.
using StoreResolver = std::function<StatusOr<storage::ObjectStore*>(std::string_view scheme)>;

// Bytes per vector on the wire for the request's .knnvec type and d.
StatusOr<uint64_t> KnnVecBytesPerVector(const ReadOptions& options);

// Runs the whole remote build inside work_dir (created; removed by the
// caller). Errors name the step and object: "download s3://b/k: ...".
StatusOr<RemoteBuildResult> RunRemoteBuild(const RemoteBuildSpec& spec, const StoreResolver& stores,
                                           const std::string& work_dir, const ExecContext& ctx);

}  // namespace kiln::job
