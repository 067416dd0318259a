#include "kiln/partition/validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace kiln::partition {
namespace {

Status Rule(std::string message) { return Status(StatusCode::kInvalidArgument, "external build: " + message); }

bool IsIdentStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }

bool IsIdentifier(std::string_view part) {
  if (part.empty() || !IsIdentStart(part[0])) return false;
  return std::all_of(part.begin(), part.end(), IsIdentChar);
}

}  // namespace

Status ValidateTableName(std::string_view table) {
  const size_t dot = table.find('.');
  const bool ok = dot == std::string_view::npos
                      ? IsIdentifier(table)
                      : IsIdentifier(table.substr(0, dot)) && IsIdentifier(table.substr(dot + 1));
  if (!ok) return InvalidArgumentError("error while validating options: table name is not well-formed (\"{}\")", table);
  return OkStatus();
}

Status ValidateTreeRows(const TreeRows& rows) {
  const size_t n = rows.n();
  const std::vector<size_t> offsets = rows.Offsets();
  std::map<int32_t, std::optional<int32_t>> parent_of;  // ascending id, as VectorChord's BTreeMap
  for (size_t i = 0; i < n; ++i) {
    if (!rows.id[i]) return Rule("id could not be NULL");
    const int32_t id = *rows.id[i];
    if (rows.dim(i) < 0) return Rule("vector could not be NULL");
    if (!parent_of.emplace(id, rows.parent[i]).second)
      return Rule(fmt::format("there are at least two lines have same id, id = {}", id));
    if (rows.dim(i) != static_cast<int64_t>(rows.d)) return Rule(fmt::format("incorrect dimension, id = {}", id));
    const float* v = rows.vectors.data() + offsets[i];
    for (size_t j = 0; j < rows.d; ++j)
      if (!std::isfinite(v[j]))
        return InvalidArgumentError("vector of id {} has a non-finite value at dimension {}", id, j);
  }
  // Implicit root: >= 2 rows, every parent NULL: a one-level tree.
  if (n >= 2 && std::all_of(parent_of.begin(), parent_of.end(), [](const auto& e) { return !e.second; }))
    return OkStatus();
  std::map<int32_t, std::vector<int32_t>> children;
  for (const auto& [id, parent] : parent_of) children[id];
  std::optional<int32_t> root;
  for (const auto& [id, parent] : parent_of) {
    if (parent) {
      auto it = children.find(*parent);
      if (it == children.end()) return Rule(fmt::format("parent does not exist, id = {}, parent = {}", id, *parent));
      it->second.push_back(id);
    } else if (root) {
      return Rule(fmt::format("two root, id = {}, id = {}", *root, id));
    } else {
      root = id;
    }
  }
  if (!root) return Rule("there are no root");
  // Breadth-first from the root; unreached rows sit on detached cycles.
  std::vector<int32_t> order = {*root};
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& c = children[order[i]];
    order.insert(order.end(), c.begin(), c.end());
  }
  if (order.size() != n) {
    std::set<int32_t> reached(order.begin(), order.end());
    for (const auto& [id, parent] : parent_of) {
      if (reached.count(id)) continue;
      // Follow parents until a node repeats: that node is on the cycle.
      std::set<int32_t> seen;
      int32_t u = id;
      while (seen.insert(u).second) u = *parent_of[u];
      int32_t smallest = u;
      for (int32_t v = *parent_of[u]; v != u; v = *parent_of[v]) smallest = std::min(smallest, v);
      return Rule(fmt::format("detect a cycle, id = {}", smallest));
    }
  }
  std::map<int32_t, size_t> height;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto& c = children[*it];
    size_t h = 1;
    for (size_t j = 0; j < c.size(); ++j) {
      if (j > 0 && height[c[j]] != height[c[0]]) return Rule(fmt::format("two heights, id = {}", *it));
      h = height[c[j]] + 1;
    }
    height[*it] = h;
  }
  const size_t h = height[*root];
  if (h < kMinTreeHeight || h > kMaxTreeHeight) return Rule(fmt::format("unexpected tree height, height = {}", h));
  return OkStatus();
}

}  // namespace kiln::partition
