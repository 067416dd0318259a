#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "kiln/base/stopwatch.h"
#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/job/load_index.h"

namespace kiln::cli {
namespace {

struct SearchFlags {
  std::string index;
  std::string queries;
  size_t k = 10;
  size_t nprobe = 1;
  size_t ef = 0;
  std::string walk = "faiss";
  std::string output;
};

// OUT.npy holds ids; OUT.distances.npy (".npy" replaced) the distances.
std::string DistancesPath(const std::string& output) {
  std::string base = output;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".npy") == 0) base.resize(base.size() - 4);
  return base + ".distances.npy";
}

int RunSearchCommand(const SearchFlags& flags, const GlobalOptions& global) {
  if (flags.k == 0) return ReportError("search", InvalidArgumentError("-k: expected at least 1, found 0"), true);
  CliContext run(global);
  auto loaded = job::LoadIndex(flags.index);
  if (!loaded.ok()) return ReportError("search", loaded.status(), false);
  auto queries = ReadVectors(flags.queries, ReadOptions{});
  if (!queries.ok()) return ReportError("search", queries.status(), false);
  if (index::HnswIndex* hnsw = index::FindHnsw(*loaded->index))
    hnsw->set_walk(*index::ParseHnswWalk(flags.walk));
  const index::Index& idx = *loaded->index;
  if (queries->d() != idx.d())
    return ReportError("search",
                       InvalidArgumentError("{}: queries have dimension {} but the index {} has d = {}",
                                            flags.queries, queries->d(), loaded->path, idx.d()),
                       false);
  const size_t nq = queries->n();
  std::vector<float> distances(nq * flags.k);
  std::vector<idx_t> labels(nq * flags.k);
  index::SearchParams params;
  params.nprobe = flags.nprobe;
  params.ef_search = flags.ef;
  auto t0 = std::chrono::steady_clock::now();
  Status s = idx.Search(queries->data(), nq, flags.k, params, distances.data(), labels.data(), run.ctx());
  double seconds = SecondsSince(t0);
  run.progress().Finish();
  if (!s.ok()) return ReportError("search", s, false);
  static_assert(sizeof(idx_t) == sizeof(int64_t));
  s = WriteNpy(flags.output, reinterpret_cast<const int64_t*>(labels.data()), nq, flags.k);
  if (s.ok()) s = WriteNpy(DistancesPath(flags.output), distances.data(), nq, flags.k);
  if (!s.ok()) return ReportError("search", s, false);
  const char* kind = IsSimilarity(idx.metric()) ? "inner products, larger is better"
                                                  : "squared L2 distances, smaller is better";
  const std::string setting = flags.ef != 0 ? fmt::format("ef={}", flags.ef)
                                            : fmt::format("nprobe={}", flags.nprobe);
  fmt::print("searched {} queries (k={}, {}) in {:.3f} s ({:.0f} QPS)\n", nq, flags.k, setting,
             seconds, seconds > 0 ? nq / seconds : 0.0);
  fmt::print("wrote ids to {} and {} to {}\n", flags.output, kind, DistancesPath(flags.output));
  return kExitOk;
}

}  // namespace

void AddSearchCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* cmd = app.add_subcommand("search", "Search an index; write ids (OUT.npy) and distances (OUT.distances.npy)");
  cmd->add_option("--index", flags->index, "Index file or build directory")->required();
  cmd->add_option("--queries,-q", flags->queries, "Query vectors (any input format)")->required();
  cmd->add_option("-k", flags->k, "Neighbours per query")->default_str("10");
  cmd->add_option("--nprobe", flags->nprobe, "Inverted lists visited per query (IVF)")->default_str("1");
  cmd->add_option("--ef,--ef-search", flags->ef,
                  "HNSW candidate list size (0 = the efSearch stored in the index)")
      ->default_str("0");
  cmd->add_option("--walk", flags->walk,
                  "HNSW level-0 walk: faiss (what Faiss 1.7.3 returns for this file) or hnswlib")
      ->check(CLI::IsMember({"faiss", "hnswlib"}))
      ->default_str("faiss");
  cmd->add_option("--output,-o", flags->output, "Output .npy of int64 ids (nq×k)")->required();
  cmd->callback([flags, &global, &exit_code] { exit_code = RunSearchCommand(*flags, global); });
}

}  // namespace kiln::cli
