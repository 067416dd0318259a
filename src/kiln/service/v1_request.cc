#include "kiln/service/v1_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kiln/job/pg_source.h"
#include "kiln/storage/object_store/object_store.h"

namespace kiln::service {
namespace {

void CheckUri(FieldReader& r, const std::string& field, const std::string& uri) {
  auto parsed = storage::ParseObjectUri(uri);
  if (!parsed.ok()) r.Fail(field, parsed.status().message(), "value_error");
}

}  // namespace

V1Build ParseV1Build(const std::string& text, std::vector<ValidationError>& errors) {
  V1Build out;
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    errors.push_back({"body", "expected a JSON object", "json_invalid"});
    return out;
  }
  FieldReader r(body, "", errors);
  r.ForbidOthers({"source", "table", "column", "ids", "output", "factory", "index_type", "params", "metric",
                  "dimension", "knnvec_type", "sample_rate", "recall_queries"});
  job::RemoteBuildSpec& spec = out.spec;
  job::BuildRequest& build = spec.build;
  spec.source_uri = r.String("source", true).value_or("");
  spec.source_table = r.String("table", false).value_or("");
  spec.source_column = r.String("column", false).value_or("");
  if (job::IsPostgresUri(spec.source_uri)) {
    if (spec.source_table.empty()) r.Fail("table", "a postgresql:// source needs \"table\"", "missing");
    if (spec.source_column.empty()) r.Fail("column", "a postgresql:// source needs \"column\"", "missing");
  } else {
    if (!spec.source_uri.empty()) CheckUri(r, "source", spec.source_uri);
    if (!spec.source_table.empty() || !spec.source_column.empty())
      r.Fail("table", "\"table\" and \"column\" go with a postgresql:// source only", "value_error");
  }
  spec.ids_uri = r.String("ids", false).value_or("");
  if (!spec.ids_uri.empty()) CheckUri(r, "ids", spec.ids_uri);
  spec.output_uri = r.String("output", true).value_or("");
  if (!spec.output_uri.empty()) {
    std::string prefix = spec.output_uri;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    CheckUri(r, "output", prefix + "/faiss.index");
  }
  build.factory = r.String("factory", false).value_or("");
  build.index_type = r.String("index_type", false).value_or("");
  if (build.factory.empty() == build.index_type.empty())
    r.Fail("factory", "give exactly one of factory and index_type", "value_error");
  if (build.factory.empty()) build.factory = "Flat";
  if (const nlohmann::json* params = r.Find("params")) {
    if (!params->is_object()) {
      r.Fail("params", "expected an object of key: value", "type_error");
    } else {
      for (const auto& [key, value] : params->items())
        build.index_params.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  const std::string metric = r.Enum("metric", {"l2", "ip", "cosine"}).value_or("l2");
  build.metric = *ParseMetric(metric);
  if (auto d = r.Int("dimension", false)) {
    if (*d <= 0) r.Fail("dimension", fmt::format("expected > 0, found {}", *d), "greater_than");
    else build.read_options.dimension = static_cast<size_t>(*d);
  }
  const std::string type = r.Enum("knnvec_type", {"float", "byte", "binary", "half_float"}).value_or("float");
  build.read_options.knnvec_type = type == "byte"         ? KnnVecType::kByte
                                   : type == "binary"     ? KnnVecType::kBinary
                                   : type == "half_float" ? KnnVecType::kHalfFloat
                                                          : KnnVecType::kFloat;
  if (auto rate = r.Number("sample_rate", false)) {
    if (*rate <= 0 || *rate > 1) r.Fail("sample_rate", fmt::format("expected (0, 1], found {}", *rate), "value_error");
    else build.sample_rate = *rate;
  }
  if (auto q = r.Int("recall_queries", false)) {
    if (*q < 0 || *q > 10000) r.Fail("recall_queries", fmt::format("expected 0..10000, found {}", *q), "value_error");
    else out.recall_queries = static_cast<size_t>(*q);
  }
  return out;
}

}  // namespace kiln::service
