// Basic types shared by every layer. Names follow Faiss (docs/glossary.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln {

// Vector ids: 64-bit signed like Faiss's idx_t; -1 marks "no result".
using idx_t = int64_t;

// Distance metric of an index. Cosine is inner product over vectors that kiln
// L2-normalises at ingest (queries too); the Faiss file records it as IP.
enum class Metric { kL2, kInnerProduct, kCosine };

std::string_view MetricName(Metric metric);  // "l2", "ip", "cosine"
// Accepts l2, ip, inner_product, innerproduct, cosine, cos (case-insensitive).
std::optional<Metric> ParseMetric(std::string_view name);
// True when larger values are better (IP and cosine similarities).
inline bool IsSimilarity(Metric metric) { return metric != Metric::kL2; }

}  // namespace kiln
