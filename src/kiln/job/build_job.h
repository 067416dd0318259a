// The batch build: vectors in → trained, filled index → a Faiss file out.
// Output directory layout (what Twitter's Faiss consumers check):
//   DIR/faiss.index   the index, any Faiss reader loads it
//   DIR/kiln.json     what was built, from what, how long it took
//   DIR/_SUCCESS      empty; written last, only when everything above is complete
// Files are written under temporary names and renamed, so a failed or
// cancelled build never leaves a half-written file or a _SUCCESS marker.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/base/exec_context.h"
#include "kiln/base/types.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/index/index.h"
#include "kiln/index/index_spec.h"

namespace kiln::job {

struct BuildRequest {
  std::string input;                    // vector file spec (see docs/formats/inputs.md)
  std::optional<std::string> ids_path;  // external int64 ids, one per vector
  std::string factory = "Flat";         // Faiss factory string (when index_type is empty)
  // MyScale-style typed definition (IVFFLAT, IVFPQ, ...) with its key=value
  // parameters, or "AUTO" (kiln chooses from n, d, budget and recall).
  std::string index_type;
  std::vector<std::pair<std::string, std::string>> index_params;
  // A spec built by the caller (kiln serve's OpenSearch path: HNSW with
  // efConstruction/efSearch); when set, factory and index_type are ignored.
  std::optional<index::IndexSpec> spec;
  uint64_t memory_budget = 0;           // AUTO: bytes the index may use; 0 = no limit
  double target_recall = 0.95;          // AUTO
  Metric metric = Metric::kL2;
  double sample_rate = 0;               // (0, 1]: share of vectors used for training
  uint64_t seed = 1234;
  // HNSW: override the definition's efConstruction / efSearch (the latter is
  // stored in the file as the search default).
  std::optional<size_t> ef_construction;
  std::optional<size_t> ef_search;
  ReadOptions read_options;
  std::string output_dir;
  // HNSW: write the graph without its vectors (storage record "null",
  // Faiss's IO_FLAG_SKIP_STORAGE), as OpenSearch's skip_stored_vectors asks.
  bool skip_stored_vectors = false;
  // When set, the built index goes to this instead of DIR/faiss.index (kiln
  // serve assembles it in the object store); it returns the index's size in
  // bytes, and BuildReport::index_path stays empty. kiln.json and _SUCCESS
  // are written as usual.
  std::function<StatusOr<uint64_t>(const index::Index& built)> write_index;
};

struct BuildReport {
  std::string description;  // index structure, e.g. "IDMap,IVF256,Flat"
  std::string auto_reason;  // AUTO: what was chosen and why
  size_t n = 0;
  size_t d = 0;
  size_t n_train = 0;  // IVF: points the coarse k-means used; otherwise n
  double read_seconds = 0;
  double train_seconds = 0;
  double add_seconds = 0;
  double write_seconds = 0;
  double total_seconds = 0;
  uint64_t index_bytes = 0;
  std::string index_path;
  std::vector<std::string> warnings;
};

// True when request.index_type is AUTO (any case).
bool IsAutoRequest(const BuildRequest& request);

// The spec named by request.factory or request.index_type (+ index_params),
// checked to be buildable (Unimplemented otherwise). Not for AUTO requests,
// whose spec depends on the data (InvalidArgument).
StatusOr<index::IndexSpec> ResolveIndexSpec(const BuildRequest& request);

// Validates the request (factory string, output directory) before reading any
// data, then reads, trains, adds and publishes. Binary HNSW factories
// (BHNSW<M>) go to RunBinaryHnswBuild (binary_build.h). Errors carry the file, field
// or value involved; on any error nothing is published.
StatusOr<BuildReport> RunBuild(const BuildRequest& request, const ExecContext& ctx);

// Path of the index file inside a build output directory.
std::string IndexPathInDir(const std::string& dir);

// Writes an index file through `write` under a temporary name, renamed to
// `path` once complete and not cancelled; returns its size in bytes.
StatusOr<uint64_t> WriteIndexFile(const std::string& path, const std::function<Status(ByteSink&)>& write,
                                  const ExecContext& ctx);

// Ends a build directory: kiln.json, then the _SUCCESS marker last.
Status FinishBuildDir(const std::string& dir, const std::string& manifest);

}  // namespace kiln::job
