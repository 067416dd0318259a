#include "kiln/service/opensearch_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kiln/index/factory.h"
#include "kiln/storage/object_store/s3_http.h"

namespace kiln::service {
namespace {

constexpr std::string_view kSuffix = ".knnvec";

void ParseIndexParameters(const nlohmann::json& body, OpenSearchBuild& out, std::vector<ValidationError>& errors) {
  FieldReader top(body, "", errors);
  const nlohmann::json* params = top.Find("index_parameters");
  if (params == nullptr) return;
  if (!params->is_object()) {
    top.Fail("index_parameters", "expected an object", "type_error");
    return;
  }
  FieldReader p(*params, "index_parameters", errors);  // extra keys ignored, as pydantic does here
  out.space_type = p.Enum("space_type", {"l2", "innerproduct", "hamming"}).value_or(out.space_type);
  out.algorithm = p.Enum("algorithm", {"hnsw"}).value_or(out.algorithm);
  const nlohmann::json* algo = p.Find("algorithm_parameters");
  if (algo == nullptr) return;
  if (!algo->is_object()) {
    p.Fail("algorithm_parameters", "expected an object", "type_error");
    return;
  }
  FieldReader a(*algo, "index_parameters.algorithm_parameters", errors);  // extra="allow"
  out.m = a.Int("m", false).value_or(out.m);
  out.ef_construction = a.Int("ef_construction", false).value_or(out.ef_construction);
  out.ef_search = a.Int("ef_search", false).value_or(out.ef_search);
  if (out.m < 2 || out.m > 1024) a.Fail("m", fmt::format("expected 2..1024, found {}", out.m), "value_error");
  if (out.ef_construction < 1)
    a.Fail("ef_construction", fmt::format("expected > 0, found {}", out.ef_construction), "value_error");
  if (out.ef_search < 1) a.Fail("ef_search", fmt::format("expected > 0, found {}", out.ef_search), "value_error");
}

}  // namespace

OpenSearchBuild ParseOpenSearchBuild(const std::string& text, std::vector<ValidationError>& errors) {
  OpenSearchBuild out;
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    errors.push_back({"body", "expected a JSON object", "json_invalid"});
    return out;
  }
  FieldReader r(body, "", errors);
  r.ForbidOthers({"repository_type", "container_name", "vector_path", "doc_id_path", "tenant_id", "dimension",
                  "doc_count", "data_type", "engine", "index_parameters", "skip_stored_vectors"});
  out.repository_type = r.Enum("repository_type", {"s3"}).value_or(out.repository_type);
  out.container_name = r.String("container_name", true).value_or("");
  out.vector_path = r.String("vector_path", true).value_or("");
  out.doc_id_path = r.String("doc_id_path", true).value_or("");
  out.tenant_id = r.String("tenant_id", false).value_or("");
  const auto dimension = r.Int("dimension", true);
  const auto doc_count = r.Int("doc_count", true);
  out.data_type = r.Enum("data_type", {"float", "half_float", "byte", "binary"}).value_or(out.data_type);
  out.engine = r.Enum("engine", {"faiss"}).value_or(out.engine);
  out.skip_stored_vectors = r.Bool("skip_stored_vectors", false).value_or(false);
  ParseIndexParameters(body, out, errors);

  if (r.Find("vector_path") != nullptr && !out.vector_path.empty() &&
      (out.vector_path.size() <= kSuffix.size() || !out.vector_path.ends_with(kSuffix)))
    r.Fail("vector_path", fmt::format("expected a path ending in .knnvec, found \"{}\"", out.vector_path),
           "string_pattern_mismatch");
  if (dimension) {
    out.dimension = *dimension;
    if (out.dimension <= 0) r.Fail("dimension", fmt::format("expected > 0, found {}", out.dimension), "greater_than");
    if (out.data_type == "binary" && out.dimension > 0 && out.dimension % 8 != 0)
      r.Fail("dimension", fmt::format("binary dimension is in bits and must be a multiple of 8, found {}",
                                      out.dimension), "value_error");
  }
  if (doc_count) {
    out.doc_count = *doc_count;
    if (out.doc_count < 5) r.Fail("doc_count", fmt::format("expected >= 5, found {}", out.doc_count), "greater_than");
  }
  return out;
}

std::string OpenSearchJobId(const OpenSearchBuild& request) {
  const std::string key = fmt::format("{}-{}", request.vector_path, request.tenant_id);
  return storage::s3::Sha256Hex(key.data(), key.size());
}

std::string OpenSearchIndexKey(const std::string& vector_path) {
  std::string stem = vector_path;
  if (stem.ends_with(kSuffix)) stem.resize(stem.size() - kSuffix.size());
  return stem + ".faiss";
}

uint64_t OpenSearchMemoryEstimate(const OpenSearchBuild& request, const std::string& factory_override) {
  const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(request.doc_count, 0));
  const uint64_t d = static_cast<uint64_t>(std::max<int64_t>(request.dimension, 0));
  const uint64_t m = static_cast<uint64_t>(std::max<int64_t>(request.m, 0));
  const uint64_t vectors = request.data_type == "binary" ? 2 * (d / 8) : factory_override.empty() ? 5 * d : 8 * d;
  const uint64_t per_vector = vectors + 8 + (2 * m * 4) * 11 / 10 + 16;
  return n * per_vector + (64ull << 20);
}

StatusOr<job::RemoteBuildSpec> OpenSearchBuildSpec(const OpenSearchBuild& request, const std::string& store_scheme,
                                                   const std::string& factory_override) {
  job::RemoteBuildSpec spec;
  spec.source_uri = fmt::format("{}://{}/{}", store_scheme, request.container_name, request.vector_path);
  spec.ids_uri = fmt::format("{}://{}/{}", store_scheme, request.container_name, request.doc_id_path);
  spec.output_uri = fmt::format("{}://{}/{}", store_scheme, request.container_name,
                                OpenSearchIndexKey(request.vector_path));
  spec.index_only = true;
  spec.expected_n = static_cast<size_t>(request.doc_count);
  job::BuildRequest& build = spec.build;
  build.metric = request.space_type == "innerproduct" ? Metric::kInnerProduct : Metric::kL2;
  build.read_options.dimension = static_cast<size_t>(request.dimension);
  build.read_options.knnvec_type = request.data_type == "byte"         ? KnnVecType::kByte
                                   : request.data_type == "binary"     ? KnnVecType::kBinary
                                   : request.data_type == "half_float" ? KnnVecType::kHalfFloat
                                                                       : KnnVecType::kFloat;
  build.skip_stored_vectors = request.skip_stored_vectors;
  if (request.data_type == "binary") {
    // IndexBinaryIDMap → IndexBinaryHNSW (Hamming) → IndexBinaryFlat, whatever
    // space_type says (the client sends "hamming"); factory_override is for
    // float fields.
    build.factory = fmt::format("IDMap,BHNSW{}", request.m);
    build.ef_construction = static_cast<size_t>(request.ef_construction);
    build.ef_search = static_cast<size_t>(request.ef_search);
    return spec;
  }
  const std::string factory =
      factory_override.empty() ? fmt::format("IDMap,HNSW{},Flat", request.m) : factory_override;
  KILN_ASSIGN_OR_RETURN(index::IndexSpec index_spec, index::ParseFactoryString(factory));
  if (index_spec.family == index::IndexFamily::kHnsw) {
    index_spec.ef_construction = static_cast<size_t>(request.ef_construction);
    index_spec.ef_search = static_cast<size_t>(request.ef_search);
  }
  KILN_RETURN_IF_ERROR(index::CheckImplemented(index_spec));
  build.spec = index_spec;
  return spec;
}

}  // namespace kiln::service
