#include "kiln/partition/vchordrq_sql.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace kiln::partition {

std::string CreateIndexSql(const std::string& table, const std::string& column, Metric metric,
                           const std::string& tree_table) {
  const char* ops = metric == Metric::kL2 ? "vector_l2_ops" : metric == Metric::kCosine ? "vector_cosine_ops" : "vector_ip_ops";
  return fmt::format(
      "CREATE INDEX ON {} USING vchordrq ({} {}) WITH (options = $$\n"
      "residual_quantization = {}\n"
      "[build.external]\n"
      "table = '{}'\n"
      "$$);",
      table, column, ops, metric == Metric::kL2 ? "true" : "false", tree_table);
}

std::vector<size_t> SuggestProbes(const std::vector<size_t>& level_sizes) {
  std::vector<size_t> probes;
  for (size_t i = 0; i < level_sizes.size(); ++i) {
    const size_t k = level_sizes[i];
    size_t p = i + 1 < level_sizes.size()
                   ? (k + 9) / 10
                   : std::max<size_t>(10, static_cast<size_t>(std::ceil(0.35 * std::sqrt(static_cast<double>(k)))));
    probes.push_back(std::clamp<size_t>(p, 1, k));
  }
  return probes;
}

std::vector<size_t> RecommendedLists(size_t n) {
  const double sn = std::sqrt(static_cast<double>(n));
  if (n < 2000000) return {std::max<size_t>(1, n / 500)};
  if (n < 50000000) return {static_cast<size_t>(std::llround(4 * sn))};
  const size_t leaves = static_cast<size_t>(std::llround(16 * sn));
  return {static_cast<size_t>(std::llround(std::sqrt(static_cast<double>(leaves)))), leaves};
}

}  // namespace kiln::partition
