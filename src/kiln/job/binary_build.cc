#include "kiln/job/binary_build.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "kiln/base/byte_sink.h"
#include "kiln/base/mapped_file.h"
#include "kiln/base/stopwatch.h"
#include "kiln/format/faiss/faiss_hnsw_variants.h"
#include "kiln/index/binary_hnsw_index.h"

namespace kiln::job {
namespace fs = std::filesystem;
namespace {

std::string Manifest(const BuildRequest& request, const index::BinaryHnswIndex& built, const BuildReport& report) {
  nlohmann::ordered_json j;
  j["kiln_version"] = "0.1.0";
  j["index_file"] = "faiss.index";
  j["factory"] = built.Describe();
  j["description"] = report.description;
  j["faiss_reader"] = "read_index_binary";
  j["metric"] = "hamming";
  j["search_defaults"] = {{"ef_search", built.graph().ef_search}};
  j["ef_construction"] = built.graph().ef_construction;
  j["skip_stored_vectors"] = request.skip_stored_vectors;
  j["input"] = request.input;
  j["n"] = report.n;
  j["d"] = report.d;
  j["seed"] = request.seed;
  j["seconds"] = {{"read", report.read_seconds}, {"add", report.add_seconds}, {"write", report.write_seconds}};
  return j.dump(2) + "\n";
}

}  // namespace

bool IsBinaryHnswRequest(const BuildRequest& request) {
  return !request.spec && request.index_type.empty() && index::ParseBinaryHnswFactory(request.factory).has_value();
}

StatusOr<BuildReport> RunBinaryHnswBuild(const BuildRequest& request, const ExecContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  const auto spec = index::ParseBinaryHnswFactory(request.factory);
  if (!spec) return InvalidArgumentError("\"{}\" is not a binary HNSW factory (BHNSW<M>)", request.factory);
  const ReadOptions& read = request.read_options;
  if (!request.input.ends_with(".knnvec") || read.knnvec_type != KnnVecType::kBinary || !read.dimension)
    return InvalidArgumentError("{}: {} reads packed bits from a .knnvec with --knnvec-type binary and "
                                "--dimension in bits", request.input, request.factory);
  const size_t d = *read.dimension;
  KILN_ASSIGN_OR_RETURN(index::BinaryHnswIndex built,
                        index::BinaryHnswIndex::Create(d, spec->M, spec->id_map || request.ids_path.has_value(),
                                                       request.seed));
  if (request.ef_construction) built.set_ef_construction(*request.ef_construction);
  if (request.ef_search) built.set_ef_search(*request.ef_search);
  std::error_code ec;
  fs::create_directories(request.output_dir, ec);
  if (ec) return PermissionDeniedError("--output {}: cannot create directory: {}", request.output_dir, ec.message());

  BuildReport report;
  auto t = std::chrono::steady_clock::now();
  ctx.Report("read", 0, 1);
  KILN_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(request.input));
  const size_t code_size = built.code_size();
  if (file->size() % code_size != 0)
    return DataLossError("{}: {} bytes is not a whole number of {}-byte binary vectors (d = {} bits)",
                         request.input, file->size(), code_size, d);
  const size_t n = file->size() / code_size;
  if (n == 0) return InvalidArgumentError("{}: no vectors", request.input);
  std::vector<idx_t> ids;
  if (request.ids_path) {
    KILN_ASSIGN_OR_RETURN(ids, ReadIds(*request.ids_path));
    if (ids.size() != n)
      return InvalidArgumentError("--ids {}: has {} ids but {} has {} vectors", *request.ids_path, ids.size(),
                                  request.input, n);
  } else if (built.has_id_map()) {
    for (size_t i = 0; i < n; ++i) ids.push_back(static_cast<idx_t>(i));
  }
  report.n = n;
  report.d = d;
  report.n_train = n;
  report.read_seconds = SecondsSince(t);
  ctx.Report("read", 1, 1);

  t = std::chrono::steady_clock::now();
  if (built.has_id_map()) {
    KILN_RETURN_IF_ERROR(built.AddWithIds(file->data(), ids.data(), n, ctx));
  } else {
    KILN_RETURN_IF_ERROR(built.Add(file->data(), n, ctx));
  }
  report.add_seconds = SecondsSince(t);
  report.description = built.Describe();
  KILN_RETURN_IF_ERROR(ctx.CheckCancelled("add"));

  t = std::chrono::steady_clock::now();
  ctx.Report("write", 0, 1);
  const fs::path dir(request.output_dir);
  fs::remove(dir / "_SUCCESS", ec);
  report.index_path = IndexPathInDir(request.output_dir);
  KILN_ASSIGN_OR_RETURN(report.index_bytes,
                        WriteIndexFile(
                            report.index_path,
                            [&](ByteSink& sink) {
                              return format::WriteFaissBinaryIndex(built, sink, request.skip_stored_vectors);
                            },
                            ctx));
  report.write_seconds = SecondsSince(t);
  report.total_seconds = SecondsSince(start);
  KILN_RETURN_IF_ERROR(FinishBuildDir(request.output_dir, Manifest(request, built, report)));
  ctx.Report("write", 1, 1);
  return report;
}

}  // namespace kiln::job
