#include "kiln/job/remote_build.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "kiln/job/pg_source.h"
#include "kiln/job/remote_build_assembly.h"

namespace kiln::job {
namespace fs = std::filesystem;
namespace {

// The local name ends with the object's base name, which picks the reader
// (".npy", "-idx3-ubyte.gz", ...).
std::string LocalName(const std::string& dir, std::string_view stem, const std::string& key) {
  return (fs::path(dir) / fmt::format("{}-{}", stem, fs::path(key).filename().string())).string();
}

struct Fetched {
  std::string path;
  uint64_t bytes = 0;
  std::string etag;
};

StatusOr<Fetched> Fetch(const std::string& uri, std::string_view stem, const StoreResolver& stores,
                        const std::string& dir, const ExecContext& ctx, storage::TransferStats& total) {
  KILN_ASSIGN_OR_RETURN(storage::ObjectUri parsed, storage::ParseObjectUri(uri));
  KILN_ASSIGN_OR_RETURN(storage::ObjectStore * store, stores(parsed.scheme));
  Fetched out{LocalName(dir, stem, parsed.ref.key), 0};
  auto got = store->Download(parsed.ref, out.path, ctx.cancel);
  if (!got.ok()) return got.status().WithContext(fmt::format("download {}", uri));
  out.bytes = got->bytes;
  out.etag = got->etag;
  total.bytes += got->bytes;
  total.seconds += got->seconds;
  return out;
}

Status Publish(const std::string& local, const std::string& uri, const StoreResolver& stores, const ExecContext& ctx,
               storage::TransferStats& total) {
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("upload"));
  KILN_ASSIGN_OR_RETURN(storage::ObjectUri parsed, storage::ParseObjectUri(uri));
  KILN_ASSIGN_OR_RETURN(storage::ObjectStore * store, stores(parsed.scheme));
  auto sent = store->Upload(local, parsed.ref, ctx.cancel);
  if (!sent.ok()) return sent.status().WithContext(fmt::format("upload {}", uri));
  total.bytes += sent->bytes;
  total.seconds += sent->seconds;
  return OkStatus();
}

// An index whose Faiss file holds the .knnvec bytes verbatim: float32 input
// into flat storage (Flat, HNSW<M>,Flat, optionally IDMap), not normalized,
// and written with its storage (not skip_stored_vectors). Returns the spec, or
// nothing when the index is not such an index.
std::optional<index::IndexSpec> VectorsStoredVerbatim(const RemoteBuildSpec& spec, const BuildRequest& request) {
  if (!spec.index_only || !spec.source_uri.ends_with(".knnvec") || request.metric == Metric::kCosine ||
      request.skip_stored_vectors)
    return {};
  const KnnVecType type = request.read_options.knnvec_type;
  if (type != KnnVecType::kFloat && type != KnnVecType::kHalfFloat) return {};
  if (IsAutoRequest(request)) return {};
  auto resolved = ResolveIndexSpec(request);
  if (!resolved.ok() || resolved->codec.kind != index::CodecKind::kFlat || resolved->opq_m != 0) return {};
  if (resolved->family != index::IndexFamily::kHnsw && resolved->family != index::IndexFamily::kFlat) return {};
  return std::move(resolved).value();
}

// Starts assembling the index in the store when it can be (see above).
StatusOr<std::unique_ptr<IndexAssembly>> MaybeStartAssembly(const RemoteBuildSpec& spec, const BuildRequest& request,
                                                            const Fetched& vectors, const StoreResolver& stores) {
  const std::optional<index::IndexSpec> verbatim = VectorsStoredVerbatim(spec, request);
  if (!verbatim) return std::unique_ptr<IndexAssembly>();
  // Before the vectors, HNSW writes at least the level-0 neighbour lists:
  // n x 2M int32.
  const uint64_t d = request.read_options.dimension.value_or(0);
  const uint64_t n = d == 0 ? 0 : vectors.bytes / (4 * d);
  const uint64_t head_at_least = verbatim->family == index::IndexFamily::kHnsw ? n * 2 * verbatim->hnsw_m * 4 : 0;
  KILN_ASSIGN_OR_RETURN(storage::ObjectUri source, storage::ParseObjectUri(spec.source_uri));
  KILN_ASSIGN_OR_RETURN(storage::ObjectUri output, storage::ParseObjectUri(spec.output_uri));
  if (source.scheme != output.scheme) return std::unique_ptr<IndexAssembly>();
  KILN_ASSIGN_OR_RETURN(storage::ObjectStore * store, stores(output.scheme));
  auto started = IndexAssembly::Start(*store, output.ref, {source.ref, vectors.etag, vectors.path, vectors.bytes},
                                      head_at_least);
  if (!started.ok()) return started.status().WithContext(fmt::format("upload {}", spec.output_uri));
  return started;
}

}  // namespace

StatusOr<uint64_t> KnnVecBytesPerVector(const ReadOptions& options) {
  if (!options.dimension || *options.dimension == 0) return InvalidArgumentError("dimension must be > 0");
  const uint64_t d = *options.dimension;
  switch (options.knnvec_type) {
    case KnnVecType::kFloat:
    case KnnVecType::kHalfFloat: return 4 * d;
    case KnnVecType::kByte: return d;
    case KnnVecType::kBinary:
      if (d % 8 != 0) return InvalidArgumentError("binary dimension {} is not a multiple of 8", d);
      return d / 8;
  }
  return InternalError("unknown knnvec type");
}

StatusOr<RemoteBuildResult> RunRemoteBuild(const RemoteBuildSpec& spec, const StoreResolver& stores,
                                           const std::string& work_dir, const ExecContext& ctx) {
  RemoteBuildResult result;
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) return InternalError("work directory {}: {}", work_dir, ec.message());

  ctx.Report("download", 0, 1);
  // The ids (small) come down next to the vectors.
  storage::TransferStats ids_stats;
  StatusOr<Fetched> ids = Fetched{};
  std::jthread ids_fetch;
  if (!spec.ids_uri.empty())
    ids_fetch = std::jthread([&] { ids = Fetch(spec.ids_uri, "ids", stores, work_dir, ctx, ids_stats); });
  Fetched vectors;
  if (IsPostgresUri(spec.source_uri)) {
    vectors.path = (fs::path(work_dir) / "vectors-table.npy").string();
    auto exported = ExportPostgresColumn(spec.source_uri, spec.source_table, spec.source_column, vectors.path, ctx);
    if (!exported.ok())
      return exported.status().WithContext(fmt::format("read {}.{}", spec.source_table, spec.source_column));
    vectors.bytes = exported->bytes;
    result.download.bytes += exported->bytes;
    result.download.seconds += exported->seconds;
  } else {
    KILN_ASSIGN_OR_RETURN(vectors, Fetch(spec.source_uri, "vectors", stores, work_dir, ctx, result.download));
  }
  BuildRequest request = spec.build;
  request.input = vectors.path;
  if (spec.expected_n) {
    KILN_ASSIGN_OR_RETURN(uint64_t per_vector, KnnVecBytesPerVector(request.read_options));
    const uint64_t expected = per_vector * *spec.expected_n;
    if (vectors.bytes != expected)
      return DataLossError("{}: {} bytes, expected doc_count {} x {} bytes per vector = {}", spec.source_uri,
                           vectors.bytes, *spec.expected_n, per_vector, expected);
  }
  if (!spec.ids_uri.empty()) {
    ids_fetch.join();
    KILN_RETURN_IF_ERROR(ids.status());
    if (spec.expected_n && ids->bytes != 4 * *spec.expected_n)
      return DataLossError("{}: {} bytes, expected doc_count {} x 4 bytes = {}", spec.ids_uri, ids->bytes,
                           *spec.expected_n, 4 * *spec.expected_n);
    request.ids_path = ids->path;
    result.download.bytes += ids_stats.bytes;
    result.download.seconds = std::max(result.download.seconds, ids_stats.seconds);
  }
  ctx.Report("download", 1, 1);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("download"));

  request.output_dir = (fs::path(work_dir) / "out").string();
  std::unique_ptr<IndexAssembly> assembly;
  if (!IsPostgresUri(spec.source_uri)) {
    KILN_ASSIGN_OR_RETURN(assembly, MaybeStartAssembly(spec, request, vectors, stores));
    if (assembly) request.write_index = [&](const index::Index& built) { return assembly->Serialize(built); };
  }
  auto built = RunBuild(request, ctx);
  if (!built.ok()) return built.status().WithContext("build");
  result.report = std::move(built).value();
  result.local_request = request;
  result.local_request.write_index = nullptr;

  ctx.Report("upload", 0, 1);
  if (assembly) {
    result.index_uri = spec.output_uri;
    auto sent = assembly->Finish(work_dir, ctx.cancel);
    if (!sent.ok()) return sent.status().WithContext(fmt::format("upload {}", spec.output_uri));
    result.upload = *sent;
    result.overlapped_upload_seconds = assembly->copy_seconds();
  } else if (spec.index_only) {
    result.index_uri = spec.output_uri;
    KILN_RETURN_IF_ERROR(Publish(result.report.index_path, result.index_uri, stores, ctx, result.upload));
  } else {
    std::string prefix = spec.output_uri;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    result.index_uri = prefix + "/faiss.index";
    KILN_RETURN_IF_ERROR(Publish(result.report.index_path, result.index_uri, stores, ctx, result.upload));
    KILN_RETURN_IF_ERROR(Publish((fs::path(request.output_dir) / "kiln.json").string(), prefix + "/kiln.json", stores,
                                 ctx, result.upload));
  }
  ctx.Report("upload", 1, 1);
  return result;
}

}  // namespace kiln::job
