#include "kiln/service/request_fields.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace kiln::service {

std::string ValidationErrorBody(const std::vector<ValidationError>& errors) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ValidationError& e : errors)
    list.push_back({{"field", e.field}, {"message", e.message}, {"type", e.type}});
  nlohmann::ordered_json body;
  body["detail"] = "Validation Error";
  body["errors"] = list;
  return body.dump();
}

void FieldReader::Fail(const std::string& name, const std::string& message, const std::string& type) {
  errors_.push_back({Path(name), message, type});
}

const nlohmann::json* FieldReader::Find(const std::string& name) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> FieldReader::String(const std::string& name, bool required) {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) {
    if (required) Fail(name, "field required", "missing");
    return std::nullopt;
  }
  if (!v->is_string()) {
    Fail(name, fmt::format("expected a string, found {}", v->dump()), "type_error");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<int64_t> FieldReader::Int(const std::string& name, bool required) {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) {
    if (required) Fail(name, "field required", "missing");
    return std::nullopt;
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double x = v->get<double>();
    if (x == static_cast<double>(static_cast<int64_t>(x))) return static_cast<int64_t>(x);
  }
  if (v->is_string()) {  // pydantic lax mode: "128"
    const std::string s = v->get<std::string>();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
  }
  Fail(name, fmt::format("expected an integer, found {}", v->dump()), "type_error");
  return std::nullopt;
}

std::optional<double> FieldReader::Number(const std::string& name, bool required) {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) {
    if (required) Fail(name, "field required", "missing");
    return std::nullopt;
  }
  if (v->is_number()) return v->get<double>();
  Fail(name, fmt::format("expected a number, found {}", v->dump()), "type_error");
  return std::nullopt;
}

std::optional<bool> FieldReader::Bool(const std::string& name, bool required) {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) {
    if (required) Fail(name, "field required", "missing");
    return std::nullopt;
  }
  if (v->is_boolean()) return v->get<bool>();
  Fail(name, fmt::format("expected a boolean, found {}", v->dump()), "type_error");
  return std::nullopt;
}

std::optional<std::string> FieldReader::Enum(const std::string& name, const std::vector<std::string>& allowed) {
  std::optional<std::string> v = String(name, false);
  if (v && std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    Fail(name, fmt::format("expected one of {}, found \"{}\"", fmt::join(allowed, ", "), *v), "enum");
    return std::nullopt;
  }
  return v;
}

void FieldReader::ForbidOthers(const std::vector<std::string>& known) {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      Fail(key, "extra fields not permitted", "extra_forbidden");
}

}  // namespace kiln::service
