// Field readers shared by the OpenSearch and /v1 request parsers. Lax like
// pydantic: integers may arrive as numeric strings. Each failure is recorded
// as a ValidationError naming the field path, and parsing goes on so one
// answer lists every problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln::service {

struct ValidationError {
  std::string field;    // "index_parameters.space_type"
  std::string message;  // "expected one of l2, innerproduct, hamming, found \"cosine\""
  std::string type;     // "missing", "type_error", "value_error", "extra_forbidden"
};

// 422 body: {"detail":"Validation Error","errors":[{"field","message","type"}...]}.
std::string ValidationErrorBody(const std::vector<ValidationError>& errors);

class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, std::string prefix, std::vector<ValidationError>& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  std::optional<std::string> String(const std::string& name, bool required);
  std::optional<int64_t> Int(const std::string& name, bool required);
  std::optional<double> Number(const std::string& name, bool required);
  std::optional<bool> Bool(const std::string& name, bool required);
  // A string that must be one of `allowed`.
  std::optional<std::string> Enum(const std::string& name, const std::vector<std::string>& allowed);
  // Records every key not in `known` as extra_forbidden.
  void ForbidOthers(const std::vector<std::string>& known);
  void Fail(const std::string& name, const std::string& message, const std::string& type);
  const nlohmann::json* Find(const std::string& name) const;
  std::string Path(const std::string& name) const { return prefix_.empty() ? name : prefix_ + "." + name; }

 private:
  const nlohmann::json& object_;
  std::string prefix_;
  std::vector<ValidationError>& errors_;
};

}  // namespace kiln::service
