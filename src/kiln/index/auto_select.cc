#include "kiln/index/auto_select.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "kiln/index/factory.h"
#include "kiln/index/index.h"

namespace kiln::index {
namespace {

constexpr size_t kAutoMaxNlist = 65536;
constexpr size_t kMinPointsPerList = 39;  // Faiss warns below this
constexpr size_t kAutoHnswM = 32;

size_t AutoNlist(size_t n) {
  const auto ideal = static_cast<size_t>(std::llround(4.0 * std::sqrt(static_cast<double>(n))));
  const size_t cap = std::max<size_t>(1, std::min(kAutoMaxNlist, n / kMinPointsPerList));
  return std::clamp<size_t>(ideal, 1, cap);
}

IndexSpec IvfSpec(size_t nlist, CodecSpec codec) {
  IndexSpec spec;
  spec.family = IndexFamily::kIvf;
  spec.nlist = nlist;
  spec.codec = codec;
  return spec;
}

}  // namespace

uint64_t EstimateIndexBytes(const IndexSpec& spec, size_t n, size_t d) {
  const uint64_t vector_bytes = uint64_t{4} * d;
  uint64_t code = vector_bytes, trained = 0;
  switch (spec.codec.kind) {
    case CodecKind::kFlat:
      break;
    case CodecKind::kSq:
      code = spec.codec.sq_type == quant::SqType::k4bit ||
                     spec.codec.sq_type == quant::SqType::k4bitUniform
                 ? (d + 1) / 2
             : spec.codec.sq_type == quant::SqType::k6bit ? (6 * d + 7) / 8
             : spec.codec.sq_type == quant::SqType::kFp16 ||
                     spec.codec.sq_type == quant::SqType::kBf16
                 ? 2 * uint64_t{d}
                 : d;
      trained = 2 * vector_bytes;
      break;
    case CodecKind::kPq:
      code = (spec.codec.pq_m * static_cast<uint64_t>(spec.codec.pq_nbits) + 7) / 8;
      trained = vector_bytes << spec.codec.pq_nbits;  // 2^nbits centroids of each sub-vector
      break;
  }
  switch (spec.family) {
    case IndexFamily::kFlat:
      return n * code + trained;
    case IndexFamily::kIvf:
      return n * (code + 8) + spec.nlist * vector_bytes + trained;
    case IndexFamily::kHnsw:  // level 0 holds 2·M int32 links; upper levels ~ 1/M of that
      return n * (code + 8 * uint64_t{spec.hnsw_m} + 16) + trained;
  }
  return 0;
}

StatusOr<AutoChoice> ChooseAuto(size_t n, size_t d, uint64_t memory_budget_bytes,
                                double target_recall, const SpecPredicate& implemented_arg) {
  if (n == 0) return InvalidArgumentError("AUTO: no vectors to index (n = 0)");
  if (d == 0 || d > kMaxDimension)
    return InvalidArgumentError("AUTO: dimension d = {} is outside [1, {}]", d, kMaxDimension);
  if (!(target_recall > 0 && target_recall <= 1))
    return InvalidArgumentError("AUTO: target recall {} is outside (0, 1]", target_recall);
  const SpecPredicate implemented = implemented_arg ? implemented_arg : SpecPredicate(IsImplemented);
  const bool limited = memory_budget_bytes > 0;
  const double allowed = kAutoBudgetShare * static_cast<double>(memory_budget_bytes);
  const std::string inputs = fmt::format(
      "n = {}, d = {}, memory budget {}, target recall {}", n, d,
      limited ? FormatBytes(memory_budget_bytes) : "unlimited", target_recall);
  std::string skipped;  // rules that would apply but this build cannot create
  auto fits = [&](const IndexSpec& spec) {
    return !limited || static_cast<double>(EstimateIndexBytes(spec, n, d)) <= allowed;
  };
  auto size_note = [&](const IndexSpec& spec) {
    return limited ? fmt::format(" (≈ {} ≤ 80% of the budget)",
                                 FormatBytes(EstimateIndexBytes(spec, n, d)))
                   : fmt::format(" (≈ {})", FormatBytes(EstimateIndexBytes(spec, n, d)));
  };
  // Returns the choice if spec fits and is implemented; records why not otherwise.
  auto take = [&](const IndexSpec& spec, const std::string& why) -> std::optional<AutoChoice> {
    if (!fits(spec)) return std::nullopt;
    if (!implemented(spec)) {
      skipped += fmt::format("{} would fit but kiln cannot build it yet; ", spec.ToFactoryString());
      return std::nullopt;
    }
    return AutoChoice{spec, fmt::format("{}: {}{}: {}{}", inputs, skipped, spec.ToFactoryString(),
                                        why, size_note(spec))};
  };

  if (n < kAutoFlatMaxN) {
    if (auto c = take(IndexSpec{}, fmt::format("n < {}: exact search is fast enough and needs "
                                               "no training",
                                               kAutoFlatMaxN)))
      return *c;
  }
  if (target_recall >= 0.98) {
    IndexSpec hnsw;
    hnsw.family = IndexFamily::kHnsw;
    hnsw.hnsw_m = kAutoHnswM;
    if (auto c = take(hnsw, "target recall >= 0.98 and the graph fits")) return *c;
  }
  const size_t nlist = AutoNlist(n);
  const std::string nlist_why =
      fmt::format("nlist = round(4·√n) clamped to [1, min(65536, n/39)] = {}", nlist);
  if (auto c = take(IvfSpec(nlist, CodecSpec{}), "flat vectors fit with room; " + nlist_why))
    return *c;
  CodecSpec sq8;
  sq8.kind = CodecKind::kSq;
  sq8.sq_type = quant::SqType::k8bit;
  if (auto c = take(IvfSpec(nlist, sq8),
                    "flat vectors do not fit, 8-bit scalar codes (d bytes per vector) do; " +
                        nlist_why))
    return *c;
  // IVF-PQ: the largest M dividing d whose codes fit.
  for (size_t m = d; m >= 1; --m) {
    if (d % m != 0) continue;
    CodecSpec pq;
    pq.kind = CodecKind::kPq;
    pq.pq_m = m;
    const IndexSpec spec = IvfSpec(nlist, pq);
    if (!fits(spec)) continue;
    if (auto c = take(spec, fmt::format("SQ8 codes do not fit; M = {} is the largest divisor of "
                                        "d whose {}-byte codes fit; {}",
                                        m, m, nlist_why)))
      return *c;
    break;  // the largest fitting M is not implemented: smaller ones are not either
  }
  CodecSpec pq1;
  pq1.kind = CodecKind::kPq;
  pq1.pq_m = 1;
  return ResourceExhaustedError(
      "AUTO ({}): {}no index kiln can build fits 80% of the budget; the smallest, IVF{},PQ1np, "
      "needs ≈ {}",
      inputs, skipped, nlist, FormatBytes(EstimateIndexBytes(IvfSpec(nlist, pq1), n, d)));
}

StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  const std::string original(text);
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  const std::string number(text.substr(0, i));
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (unit.ends_with("IB")) unit.resize(unit.size() - 2);
  else if (unit.ends_with("B")) unit.resize(unit.size() - 1);
  int shift = -1;
  if (unit.empty()) shift = 0;
  else if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (unit == "T") shift = 40;
  char* end = nullptr;
  const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (shift < 0 || number.empty() || end != number.c_str() + number.size() || !(value >= 0) ||
      value * std::ldexp(1.0, shift) >= 9.0e18)
    return InvalidArgumentError("size \"{}\": expected a number with an optional K, M, G or T "
                                "suffix (binary units), e.g. 8G",
                                original);
  return static_cast<uint64_t>(std::llround(value * std::ldexp(1.0, shift)));
}

std::string FormatBytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace kiln::index
