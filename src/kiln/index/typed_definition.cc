#include "kiln/index/typed_definition.h"

#include <charconv>
#include <map>

#include <fmt/format.h>

namespace kiln::index {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return Upper(a) == Upper(b); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and removes one pair of matching quotes.
std::string_view Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    s = Trim(s.substr(1, s.size() - 2));
  return s;
}

// MyScale's IVFSQ / HNSWSQ bit_size values, in the order MyScale lists them.
constexpr std::string_view kSqBitSizes[] = {"8bit",         "6bit",         "4bit",   "8bit_uniform",
                                            "8bit_direct", "4bit_uniform", "QT_fp16"};

struct TypeDef {
  std::string_view name;
  std::vector<std::string_view> params;  // canonical spellings
};

const std::vector<TypeDef>& Types() {
  static const auto* types = new std::vector<TypeDef>{
      {"FLAT", {"metric_type"}},
      {"IVFFLAT", {"ncentroids", "nprobe", "metric_type"}},
      {"IVFPQ", {"ncentroids", "M", "bit_size", "nprobe", "metric_type"}},
      {"IVFSQ", {"ncentroids", "bit_size", "nprobe", "metric_type"}},
      {"HNSWFLAT", {"m", "ef_c", "ef_s", "metric_type"}},
      {"HNSWSQ", {"m", "ef_c", "bit_size", "ef_s", "metric_type"}},
  };
  return *types;
}

class TypedParser {
 public:
  TypedParser(const TypeDef& type, std::map<std::string, std::string> values)
      : type_(type), values_(std::move(values)) {}

  Status Error(std::string_view detail) const {
    return InvalidArgumentError("index type {}: {}", type_.name, detail);
  }
  bool Has(std::string_view name) const { return values_.contains(std::string(name)); }

  StatusOr<size_t> Int(std::string_view name, size_t fallback, size_t lo, size_t hi) const {
    const auto it = values_.find(std::string(name));
    if (it == values_.end()) return fallback;
    const std::string& text = it->second;
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < lo ||
        value > hi)
      return Error(fmt::format("{} = \"{}\": expected an integer in {}..{}", name, text, lo, hi));
    return static_cast<size_t>(value);
  }

  StatusOr<quant::SqType> SqBitSize() const {
    const auto it = values_.find("bit_size");
    if (it == values_.end()) return quant::SqType::k8bit;
    for (std::string_view valid : kSqBitSizes) {
      if (EqualsIgnoreCase(valid, it->second)) return *quant::ParseSqBitSize(valid);
    }
    return Error(fmt::format("bit_size = \"{}\": expected one of {}", it->second,
                             fmt::join(kSqBitSizes, ", ")));
  }

  Status ParseMetricType(IndexSpec& spec) const {
    const auto it = values_.find("metric_type");
    if (it == values_.end()) return OkStatus();
    const std::string m = Upper(it->second);
    if (m == "L2") spec.metric = Metric::kL2;
    else if (m == "IP") spec.metric = Metric::kInnerProduct;
    else if (m == "COSINE") spec.metric = Metric::kCosine;
    else return Error(fmt::format("metric_type = \"{}\": expected L2, Cosine or IP", it->second));
    return OkStatus();
  }

  Status Ivf(IndexSpec& spec) const {
    spec.family = IndexFamily::kIvf;
    KILN_ASSIGN_OR_RETURN(spec.nlist, Int("ncentroids", 1024, 1, 1048576));
    KILN_ASSIGN_OR_RETURN(size_t nprobe, Int("nprobe", 1, 1, 1048576));
    if (nprobe > spec.nlist)
      return Error(fmt::format("nprobe = {} exceeds ncentroids = {}", nprobe, spec.nlist));
    spec.nprobe = nprobe;
    return OkStatus();
  }

  Status Hnsw(IndexSpec& spec) const {
    spec.family = IndexFamily::kHnsw;
    KILN_ASSIGN_OR_RETURN(spec.hnsw_m, Int("m", 16, 8, 128));
    KILN_ASSIGN_OR_RETURN(spec.ef_construction, Int("ef_c", 100, 16, 1024));
    KILN_ASSIGN_OR_RETURN(spec.ef_search, Int("ef_s", 50, 16, 1024));
    return OkStatus();
  }

  StatusOr<IndexSpec> Parse() const {
    IndexSpec spec;
    KILN_RETURN_IF_ERROR(ParseMetricType(spec));
    const std::string_view t = type_.name;
    if (t == "IVFFLAT" || t == "IVFPQ" || t == "IVFSQ") KILN_RETURN_IF_ERROR(Ivf(spec));
    if (t == "HNSWFLAT" || t == "HNSWSQ") KILN_RETURN_IF_ERROR(Hnsw(spec));
    if (t == "IVFPQ") {
      spec.codec.kind = CodecKind::kPq;
      KILN_ASSIGN_OR_RETURN(spec.codec.pq_m, Int("M", 16, 1, 1048576));
      KILN_ASSIGN_OR_RETURN(size_t nbits, Int("bit_size", 8, 2, 12));
      spec.codec.pq_nbits = static_cast<int>(nbits);
      spec.codec.polysemous = false;
    }
    if (t == "IVFSQ" || t == "HNSWSQ") {
      spec.codec.kind = CodecKind::kSq;
      KILN_ASSIGN_OR_RETURN(spec.codec.sq_type, SqBitSize());
    }
    return spec;
  }

 private:
  const TypeDef& type_;
  std::map<std::string, std::string> values_;  // canonical name → unquoted value
};

}  // namespace

StatusOr<std::pair<std::string, std::string>> ParseParamAssignment(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || Trim(text.substr(0, eq)).empty())
    return InvalidArgumentError("parameter \"{}\": expected key=value", text);
  return std::make_pair(std::string(Trim(text.substr(0, eq))),
                        std::string(Trim(text.substr(eq + 1))));
}

StatusOr<IndexSpec> ParseTypedDefinition(std::string_view type, const TypedParams& params) {
  const std::string upper = Upper(Trim(type));
  const TypeDef* def = nullptr;
  for (const TypeDef& t : Types())
    if (t.name == upper) def = &t;
  if (def == nullptr) {
    if (upper == "HNSWPQ" || upper == "MSTG" || upper == "SCANN")
      return UnimplementedError(
          "index type {}: not supported by kiln (MSTG and SCANN are MyScale's own; try AUTO)",
          upper);
    std::vector<std::string_view> names;
    for (const TypeDef& t : Types()) names.push_back(t.name);
    return InvalidArgumentError("index type \"{}\": expected one of {} or AUTO", type,
                                fmt::join(names, ", "));
  }
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : params) {
    const std::string_view k = Trim(key);
    std::string_view canonical;
    for (std::string_view name : def->params)
      if (EqualsIgnoreCase(name, k)) canonical = name;
    if (canonical.empty())
      return InvalidArgumentError("index type {}: unknown parameter \"{}\" (valid: {})", def->name,
                                  k, fmt::join(def->params, ", "));
    if (!values.emplace(std::string(canonical), std::string(Unquote(value))).second)
      return InvalidArgumentError("index type {}: parameter {} given twice", def->name, canonical);
  }
  return TypedParser(*def, std::move(values)).Parse();
}

}  // namespace kiln::index
