#include "kiln/job/load_index.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/job/build_job.h"

namespace kiln::job {
namespace fs = std::filesystem;
namespace {

std::optional<Metric> ReadManifestMetric(const fs::path& index_path) {
  fs::path manifest = index_path.parent_path() / "kiln.json";
  std::ifstream in(manifest);
  if (!in) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("metric") || !j["metric"].is_string()) return std::nullopt;
  std::string m = j["metric"];
  if (m == "cosine") return Metric::kCosine;
  if (m == "ip") return Metric::kInnerProduct;
  if (m == "l2") return Metric::kL2;
  return std::nullopt;
}

}  // namespace

StatusOr<LoadedIndex> MapIndexFile(const std::string& path) {
  LoadedIndex loaded;
  std::error_code ec;
  loaded.path = fs::is_directory(path, ec) ? IndexPathInDir(path) : path;
  KILN_ASSIGN_OR_RETURN(loaded.file, MappedFile::Open(loaded.path));
  loaded.built_metric = ReadManifestMetric(loaded.path);
  return loaded;
}

StatusOr<LoadedIndex> LoadIndex(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(LoadedIndex loaded, MapIndexFile(path));
  KILN_ASSIGN_OR_RETURN(loaded.index,
                        format::ReadFaissIndex(loaded.file->data(), loaded.file->size(), loaded.path));
  return loaded;
}

}  // namespace kiln::job
