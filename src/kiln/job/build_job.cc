#include "kiln/job/build_job.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "kiln/base/byte_sink.h"
#include "kiln/base/stopwatch.h"
#include "kiln/cluster/sampling.h"
#include "kiln/format/faiss/faiss_hnsw_variants.h"
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/index/auto_select.h"
#include "kiln/index/factory.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/index/typed_definition.h"
#include "kiln/job/binary_build.h"
#include "kiln/index/id_map_index.h"

namespace kiln::job {
namespace fs = std::filesystem;
namespace {

// The output directory must exist (or be creatable) and be writable.
Status PrepareOutputDir(const std::string& dir) {
  if (dir.empty()) return InvalidArgumentError("--output: an output directory is required");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return InvalidArgumentError("--output {}: exists and is not a directory", dir);
  fs::create_directories(dir, ec);
  if (ec) return PermissionDeniedError("--output {}: cannot create directory: {}", dir, ec.message());
  // Probe writability now rather than after a long build.
  auto probe = AtomicFileSink::Create((fs::path(dir) / ".kiln-write-probe").string());
  if (!probe.ok()) return probe.status().WithContext(fmt::format("--output {} is not writable", dir));
  return OkStatus();
}

std::string ManifestJson(const BuildRequest& request, const index::IndexSpec& spec,
                         const BuildReport& report) {
  nlohmann::ordered_json j;
  j["kiln_version"] = "0.1.0";
  j["index_file"] = "faiss.index";
  j["factory"] = spec.ToFactoryString();
  if (!request.index_type.empty()) {
    j["index_type"] = request.index_type;
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const auto& [key, value] : request.index_params) params[key] = value;
    j["index_params"] = params;
  }
  if (!report.auto_reason.empty()) j["auto_reason"] = report.auto_reason;
  nlohmann::ordered_json search = nlohmann::ordered_json::object();
  if (spec.nprobe) search["nprobe"] = *spec.nprobe;
  if (spec.ef_search) search["ef_search"] = *spec.ef_search;
  if (!search.empty()) j["search_defaults"] = search;
  if (spec.ef_construction) j["ef_construction"] = *spec.ef_construction;
  j["description"] = report.description;
  j["metric"] = std::string(MetricName(request.metric));
  j["faiss_metric"] = request.metric == Metric::kL2 ? "METRIC_L2" : "METRIC_INNER_PRODUCT";
  j["input"] = request.input;
  j["n"] = report.n;
  j["d"] = report.d;
  j["n_train"] = report.n_train;
  j["sample_rate"] = request.sample_rate;
  j["seed"] = request.seed;
  j["seconds"] = {{"read", report.read_seconds},
                  {"train", report.train_seconds},
                  {"add", report.add_seconds},
                  {"write", report.write_seconds}};
  j["warnings"] = report.warnings;
  return j.dump(2) + "\n";
}

// --ef-construction / --ef-search: only for HNSW, at least 1.
Status ApplyEfOverrides(const BuildRequest& request, index::IndexSpec& spec) {
  if (!request.ef_construction && !request.ef_search) return OkStatus();
  if (spec.family != index::IndexFamily::kHnsw)
    return InvalidArgumentError("--ef-construction and --ef-search need an HNSW index, not \"{}\"",
                                spec.ToFactoryString());
  for (const auto& [name, value] : {std::pair{"--ef-construction", request.ef_construction},
                                    std::pair{"--ef-search", request.ef_search}})
    if (value && (*value < 1 || *value > (size_t{1} << 20)))
      return InvalidArgumentError("{}: expected a value in [1, {}], found {}", name, size_t{1} << 20,
                                  *value);
  if (request.ef_construction) spec.ef_construction = request.ef_construction;
  if (request.ef_search) spec.ef_search = request.ef_search;
  return OkStatus();
}

}  // namespace

std::string IndexPathInDir(const std::string& dir) { return (fs::path(dir) / "faiss.index").string(); }

StatusOr<uint64_t> WriteIndexFile(const std::string& path, const std::function<Status(ByteSink&)>& write,
                                  const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path));
  KILN_RETURN_IF_ERROR(write(*sink));
  const uint64_t bytes = sink->position();
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("write"));
  KILN_RETURN_IF_ERROR(sink->Publish());
  return bytes;
}

Status FinishBuildDir(const std::string& dir, const std::string& manifest) {
  KILN_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "kiln.json").string(), manifest));
  return WriteFileAtomically((fs::path(dir) / "_SUCCESS").string(), "");
}

bool IsAutoRequest(const BuildRequest& request) {
  std::string upper = request.index_type;
  for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return upper == "AUTO";
}

StatusOr<index::IndexSpec> ResolveIndexSpec(const BuildRequest& request) {
  if (IsAutoRequest(request))
    return InvalidArgumentError("--index-type AUTO: the index is chosen after reading the data");
  index::IndexSpec spec;
  if (request.spec) {
    spec = *request.spec;
  } else if (request.index_type.empty()) {
    KILN_ASSIGN_OR_RETURN(spec, index::ParseFactoryString(request.factory));
  } else {
    KILN_ASSIGN_OR_RETURN(spec, index::ParseTypedDefinition(request.index_type, request.index_params));
  }
  KILN_RETURN_IF_ERROR(index::CheckImplemented(spec));
  KILN_RETURN_IF_ERROR(ApplyEfOverrides(request, spec));
  return spec;
}

StatusOr<BuildReport> RunBuild(const BuildRequest& request, const ExecContext& ctx) {
  if (IsBinaryHnswRequest(request)) return RunBinaryHnswBuild(request, ctx);
  const auto start = std::chrono::steady_clock::now();
  BuildReport report;
  index::IndexSpec spec;
  const bool is_auto = IsAutoRequest(request);
  if (!is_auto) {
    KILN_ASSIGN_OR_RETURN(spec, ResolveIndexSpec(request));
    if (spec.metric && *spec.metric != request.metric)
      return InvalidArgumentError("metric {} conflicts with metric_type = {}", MetricName(request.metric),
                                  MetricName(*spec.metric));
  } else if (!(request.target_recall > 0 && request.target_recall <= 1)) {
    return InvalidArgumentError("--target-recall: expected a value in (0, 1], found {}", request.target_recall);
  }
  if (request.sample_rate < 0 || request.sample_rate > 1)
    return InvalidArgumentError("--sample-rate: expected a value in (0, 1], found {}", request.sample_rate);
  KILN_RETURN_IF_ERROR(PrepareOutputDir(request.output_dir));

  // Read.
  auto t = std::chrono::steady_clock::now();
  ctx.Report("read", 0, 1);
  KILN_ASSIGN_OR_RETURN(Dataset data, ReadVectors(request.input, request.read_options));
  if (request.ids_path) {
    KILN_ASSIGN_OR_RETURN(std::vector<idx_t> ids, ReadIds(*request.ids_path));
    // One id per row of the input file, also when --non-finite skip dropped rows.
    if (data.source_rows().empty() && ids.size() != data.n())
      return InvalidArgumentError("--ids {}: has {} ids but {} has {} vectors", *request.ids_path,
                                  ids.size(), request.input, data.n());
    KILN_RETURN_IF_ERROR(data.SetIdsBySourceRow(ids).WithContext(fmt::format("--ids {}", *request.ids_path)));
  }
  report.n = data.n();
  report.d = data.d();
  report.read_seconds = SecondsSince(t);
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("read"));
  if (is_auto) {
    KILN_ASSIGN_OR_RETURN(index::AutoChoice choice, index::ChooseAuto(data.n(), data.d(), request.memory_budget,
                                                                      request.target_recall));
    spec = std::move(choice.spec);
    report.auto_reason = std::move(choice.reason);
    if (spec.family == index::IndexFamily::kHnsw) KILN_RETURN_IF_ERROR(ApplyEfOverrides(request, spec));
  }
  report.warnings.insert(report.warnings.end(), spec.warnings.begin(), spec.warnings.end());

  // Train.
  index::IvfTrainParams train_params;
  train_params.kmeans.sample_rate = request.sample_rate;
  train_params.kmeans.seed = request.seed;
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<index::Index> built,
                        index::CreateIndex(spec, data.d(), request.metric, train_params));
  // HNSW level draws follow --seed (reproducible builds on one thread).
  if (index::HnswIndex* hnsw = index::FindHnsw(*built)) hnsw->set_seed(request.seed);
  t = std::chrono::steady_clock::now();
  KILN_RETURN_IF_ERROR(built->Train(data.data(), data.n(), ctx));
  report.train_seconds = SecondsSince(t);
  // IVF: the points the coarse k-means clustered (sample rate or Faiss's
  // per-centroid cap, exactly as TrainKMeans chooses them).
  report.n_train = spec.family == index::IndexFamily::kIvf
                       ? cluster::TrainingSampleSize(data.n(), spec.nlist, train_params.kmeans.sample_rate,
                                                     train_params.kmeans.max_points_per_centroid)
                       : data.n();

  // Add.
  t = std::chrono::steady_clock::now();
  // An IDMap factory around HNSW (the OpenSearch build) is filled like
  // HNSW with --ids: AddOwned below, the ids mapped afterwards.
  if (auto* map = dynamic_cast<index::IdMapIndex*>(built.get());
      map != nullptr && data.has_ids() && dynamic_cast<index::HnswIndex*>(&map->mutable_inner()) != nullptr)
    built = map->TakeInner();
  if (auto* hnsw = dynamic_cast<index::HnswIndex*>(built.get())) {
    // HNSW-Flat stores the vectors itself: hand the rows over instead of
    // keeping the input and the stored copy both in memory.
    const auto release = [&data](size_t begin, size_t end) { data.ReleaseRows(begin, end); };
    // A mapped file's released rows read back from the file, and the index
    // may keep them there.
    KILN_RETURN_IF_ERROR(data.is_mapped()
                             ? hnsw->AddOwnedMapped(data.data(), data.n(), release, data.mapped_file(), ctx)
                             : hnsw->AddOwned(data.data(), data.n(), release, false, ctx));
    if (data.has_ids()) {
      KILN_ASSIGN_OR_RETURN(built, index::IdMapIndex::FromParts(std::move(built), data.ids()));
    }
    data = Dataset();
  } else if (data.has_ids()) {
    auto* mapped = dynamic_cast<index::IdMapIndex*>(built.get());
    if (mapped == nullptr) {
      built = std::make_unique<index::IdMapIndex>(std::move(built));
      mapped = static_cast<index::IdMapIndex*>(built.get());
    }
    KILN_RETURN_IF_ERROR(mapped->AddWithIds(data.data(), data.ids().data(), data.n(), ctx));
  } else {
    KILN_RETURN_IF_ERROR(built->Add(data.data(), data.n(), ctx));
  }
  report.add_seconds = SecondsSince(t);
  report.description = built->Describe();
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("add"));

  // Write: index, manifest, then the _SUCCESS marker last.
  t = std::chrono::steady_clock::now();
  ctx.Report("write", 0, 1);
  const fs::path dir(request.output_dir);
  std::error_code ec;
  fs::remove(dir / "_SUCCESS", ec);  // an older result stops counting as complete
  if (request.write_index) {
    KILN_ASSIGN_OR_RETURN(report.index_bytes, request.write_index(*built));
  } else {
    report.index_path = IndexPathInDir(request.output_dir);
    const auto write = [&](ByteSink& sink) {
      return request.skip_stored_vectors ? format::WriteFaissIndexSkipStorage(*built, sink)
                                         : format::WriteFaissIndex(*built, sink);
    };
    KILN_ASSIGN_OR_RETURN(report.index_bytes, WriteIndexFile(report.index_path, write, ctx));
  }
  report.write_seconds = SecondsSince(t);
  report.total_seconds = SecondsSince(start);
  KILN_RETURN_IF_ERROR(FinishBuildDir(request.output_dir, ManifestJson(request, spec, report)));
  ctx.Report("write", 1, 1);
  return report;
}

}  // namespace kiln::job
