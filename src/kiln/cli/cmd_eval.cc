#include <algorithm>
#include <chrono>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "kiln/base/stopwatch.h"
#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/job/load_index.h"
#include "kiln/linalg/knn.h"
#include "kiln/linalg/norms.h"

namespace kiln::cli {
namespace {

struct EvalFlags {
  std::string index;
  std::string base;
  std::string queries;
  std::optional<std::string> ids;
  std::optional<std::string> metric;
  size_t k = 10;
  std::vector<size_t> nprobe = {1};
  std::vector<size_t> ef;
  std::string walk = "faiss";
  double min_recall = 0;
};

// Share of the true k nearest neighbours found, averaged over queries.
double RecallAtK(const std::vector<idx_t>& truth, const std::vector<idx_t>& found, size_t nq, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    std::unordered_set<idx_t> expected(truth.begin() + q * k, truth.begin() + (q + 1) * k);
    for (size_t j = 0; j < k; ++j) hits += expected.count(found[q * k + j]);
  }
  return nq == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(nq * k);
}

int RunEvalCommand(const EvalFlags& flags, const GlobalOptions& global) {
  if (flags.k == 0) return ReportError("eval", InvalidArgumentError("-k: expected at least 1, found 0"), true);
  CliContext run(global);
  auto loaded = job::LoadIndex(flags.index);
  if (!loaded.ok()) return ReportError("eval", loaded.status(), false);
  if (index::HnswIndex* hnsw = index::FindHnsw(*loaded->index))
    hnsw->set_walk(*index::ParseHnswWalk(flags.walk));
  const index::Index& idx = *loaded->index;
  Metric metric = loaded->built_metric.value_or(idx.metric());
  if (flags.metric) {
    auto m = ParseMetric(*flags.metric);
    if (!m) return ReportError("eval", InvalidArgumentError("--metric: expected l2, ip or cosine, found \"{}\"", *flags.metric), true);
    metric = *m;
  }
  auto base = ReadVectors(flags.base, ReadOptions{});
  if (!base.ok()) return ReportError("eval", base.status(), false);
  auto queries = ReadVectors(flags.queries, ReadOptions{});
  if (!queries.ok()) return ReportError("eval", queries.status(), false);
  for (const auto* set : {&*base, &*queries}) {
    if (set->d() != idx.d())
      return ReportError("eval", InvalidArgumentError("{}: vectors have dimension {} but the index has d = {}",
                                                      set == &*base ? flags.base : flags.queries, set->d(), idx.d()),
                         false);
  }
  std::vector<idx_t> ids;
  if (flags.ids) {
    auto read = ReadIds(*flags.ids);
    if (!read.ok()) return ReportError("eval", read.status(), false);
    ids = std::move(*read);
    if (ids.size() != base->n())
      return ReportError("eval", InvalidArgumentError("--ids {}: {} ids for {} base vectors", *flags.ids, ids.size(), base->n()), false);
  }
  const size_t nq = queries->n(), k = flags.k;
  if (metric == Metric::kCosine) {
    linalg::NormalizeRows(base->mutable_data(), base->n(), base->d(), run.pool());
    linalg::NormalizeRows(queries->mutable_data(), nq, queries->d(), run.pool());
  }
  // Ground truth by exact search.
  std::vector<float> truth_dist(nq * k);
  std::vector<idx_t> truth(nq * k);
  auto t0 = std::chrono::steady_clock::now();
  Status s = linalg::ExactKnn(queries->data(), nq, base->data(), base->n(), base->d(), metric, k, nullptr,
                              truth_dist.data(), truth.data(), run.ctx());
  double exact_seconds = SecondsSince(t0);
  if (!s.ok()) return ReportError("eval", s, false);
  if (!ids.empty())
    for (auto& t : truth) t = t < 0 ? t : ids[static_cast<size_t>(t)];

  run.progress().Finish();
  fmt::print("index {} ({}), {} queries, k={}, metric {}; exact search {:.0f} QPS ({} threads)\n",
             loaded->path, idx.Describe(), nq, k, MetricName(metric), nq / std::max(exact_seconds, 1e-9),
             run.pool().num_threads());
  // HNSW sweeps --ef; other indexes sweep --nprobe.
  const bool sweep_ef = !flags.ef.empty();
  const std::vector<size_t>& settings = sweep_ef ? flags.ef : flags.nprobe;
  const char* setting_name = sweep_ef ? "ef" : "nprobe";
  fmt::print("{:>8} {:>10} {:>12}\n", setting_name, "recall@" + std::to_string(k), "QPS");
  std::vector<float> dist(nq * k);
  std::vector<idx_t> found(nq * k);
  double last_recall = 0;
  for (size_t setting : settings) {
    index::SearchParams params;
    if (sweep_ef)
      params.ef_search = setting;
    else
      params.nprobe = setting;
    t0 = std::chrono::steady_clock::now();
    s = idx.Search(queries->data(), nq, k, params, dist.data(), found.data(), run.ctx());
    double seconds = SecondsSince(t0);
    if (!s.ok()) return ReportError("eval", s, false);
    last_recall = RecallAtK(truth, found, nq, k);
    fmt::print("{:>8} {:>10.4f} {:>12.0f}\n", setting, last_recall, nq / std::max(seconds, 1e-9));
  }
  if (last_recall < flags.min_recall)
    return ReportError("eval", FailedPreconditionError("recall@{} {:.4f} at {} {} is below --min-recall {}", k,
                                                       last_recall, setting_name, settings.back(),
                                                       flags.min_recall),
                       false);
  return kExitOk;
}

}  // namespace

void AddEvalCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "Recall@k against exact search, and queries per second");
  cmd->add_option("--index", flags->index, "Index file or build directory")->required();
  cmd->add_option("--base", flags->base, "The vectors the index was built from")->required();
  cmd->add_option("--queries,-q", flags->queries, "Query vectors")->required();
  cmd->add_option("--ids", flags->ids, "External ids of the base vectors (if the build used --ids)");
  cmd->add_option("--metric", flags->metric, "Override the metric used for ground truth (l2, ip, cosine)");
  cmd->add_option("-k", flags->k, "Neighbours per query")->default_str("10");
  cmd->add_option("--nprobe", flags->nprobe, "Comma-separated nprobe settings, e.g. 1,4,16")
      ->delimiter(',')
      ->default_str("1");
  cmd->add_option("--ef", flags->ef, "Comma-separated HNSW efSearch settings, e.g. 10,20,40,80,160")
      ->delimiter(',');
  cmd->add_option("--walk", flags->walk,
                  "HNSW level-0 walk: faiss (what Faiss 1.7.3 returns for this file) or hnswlib")
      ->check(CLI::IsMember({"faiss", "hnswlib"}))
      ->default_str("faiss");
  cmd->add_option("--min-recall", flags->min_recall, "Exit 1 if recall at the last setting is below this")
      ->check(CLI::Range(0.0, 1.0));
  cmd->callback([flags, &global, &exit_code] { exit_code = RunEvalCommand(*flags, global); });
}

}  // namespace kiln::cli
