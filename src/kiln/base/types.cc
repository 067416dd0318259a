#include "kiln/base/types.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace kiln {

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "ip";
    case Metric::kCosine: return "cosine";
  }
  return "unknown";
}

std::optional<Metric> ParseMetric(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "l2") return Metric::kL2;
  if (lower == "ip" || lower == "inner_product" || lower == "innerproduct") return Metric::kInnerProduct;
  if (lower == "cosine" || lower == "cos") return Metric::kCosine;
  return std::nullopt;
}

}  // namespace kiln
