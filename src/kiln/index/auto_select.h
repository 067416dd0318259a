// AUTO: kiln picks the index for the data it is given (our answer to MyScale's
// MSTG). Rules, in order (docs/factory.md explains them):
//   1. n < 10000 and the vectors fit → Flat (exact; nothing to train).
//   2. target_recall >= 0.98 and HNSW32,Flat fits → HNSW32,Flat.
//   3. IVF-Flat fits → IVF<nlist>,Flat with nlist = round(4·√n), clamped to
//      [1, min(65536, n / 39)] (Faiss wants >= 39 training points per list).
//   4. IVF-SQ8 codes fit → IVF<nlist>,SQ8.
//   5. IVF-PQ fits → IVF<nlist>,PQ<M>np, M the largest divisor of d whose
//      codes (M bytes per vector) fit.
// "Fits" means the estimated in-memory size (EstimateIndexBytes) is at most
// 80 % of the budget; a budget of 0 means no limit. A rule whose index this
// build cannot create (the `implemented` predicate) is skipped, and the reason
// says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "kiln/base/status.h"
#include "kiln/index/index_spec.h"

namespace kiln::index {

// Below this many vectors AUTO picks Flat.
inline constexpr size_t kAutoFlatMaxN = 10000;
// Share of the memory budget an index may use ("fits with room").
inline constexpr double kAutoBudgetShare = 0.8;

struct AutoChoice {
  IndexSpec spec;
  // One line for people: the inputs, the choice and why (printed by
  // `kiln build`, stored in kiln.json as auto_reason).
  std::string reason;
};

using SpecPredicate = std::function<bool(const IndexSpec&)>;

// Chooses an index for n vectors of dimension d. InvalidArgument when n == 0,
// d is outside [1, kMaxDimension] or target_recall is outside (0, 1];
// ResourceExhausted when nothing implemented fits the budget (naming the
// smallest estimate). `implemented` defaults to IsImplemented.
StatusOr<AutoChoice> ChooseAuto(size_t n, size_t d, uint64_t memory_budget_bytes,
                                double target_recall, const SpecPredicate& implemented = {});

// Estimated bytes of the built index in memory (about its file size): codes,
// ids, centroids, graph links. IDMap and OPQ are ignored.
uint64_t EstimateIndexBytes(const IndexSpec& spec, size_t n, size_t d);

// "8G", "512M", "1.5GiB", "100k", "1073741824" → bytes (binary units, case-
// insensitive, optional "B"/"iB"). InvalidArgument otherwise.
StatusOr<uint64_t> ParseByteSize(std::string_view text);

// 1536 → "1.5 KiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace kiln::index
