// kiln partition: VectorChord partition trees (see docs/vectorchord.md).
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/job/partition_job.h"

namespace kiln::cli {
namespace {

struct PartitionFlags {
  std::string input, source, table, column, output, output_table;
  std::string lists = "auto";
  std::string metric = "l2";
  std::string kmeans = "hierarchical";
  std::string vector_type = "auto";
  std::vector<std::string> centroids;
  size_t sampling_factor = 256, sample_size = 0;
  bool balanced = false, replace = false, create_index = false;
  double max_list_factor = 2.0;
  int niter = 10;
  uint64_t seed = 42;
  std::string index_table, index_column;
};

struct EvalFlags {
  std::string tree, tree_table, base, source, table, column, queries;
  std::string metric = "l2";
  size_t k = 10;
  std::vector<std::string> probes;
  double min_recall = 0;
};

StatusOr<Metric> ParsePartitionMetric(const std::string& name) {
  if (name == "dot") return Metric::kInnerProduct;
  auto m = ParseMetric(name);
  if (!m) return InvalidArgumentError("--metric: expected l2, cos or dot, found \"{}\"", name);
  return *m;
}

StatusOr<std::vector<size_t>> ParseSizeList(const std::string& text, std::string_view flag) {
  std::vector<size_t> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t pos = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(part, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos == 0 || pos != part.size() || v == 0)
      return InvalidArgumentError("{}: expected positive integers separated by commas, found \"{}\"", flag, text);
    out.push_back(static_cast<size_t>(v));
  }
  if (out.empty()) return InvalidArgumentError("{}: empty list", flag);
  return out;
}

StatusOr<job::PartitionJobOptions> ToOptions(const PartitionFlags& f) {
  job::PartitionJobOptions o;
  o.input_file = f.input;
  if (!f.source.empty()) {
    if (f.table.empty() || f.column.empty()) return InvalidArgumentError("--source needs --table and --column");
    o.source = job::PgColumnRef{f.source, f.table, f.column};
    o.output_table = f.output_table;
  } else {
    o.output_table = !f.output_table.empty() ? f.output_table : f.table;
  }
  if (f.lists != "auto") {
    KILN_ASSIGN_OR_RETURN(o.lists, ParseSizeList(f.lists, "--lists"));
  }
  KILN_ASSIGN_OR_RETURN(o.metric, ParsePartitionMetric(f.metric));
  if (f.kmeans == "hierarchical") o.kmeans = job::PartitionKMeans::kHierarchical;
  else if (f.kmeans == "flat") o.kmeans = job::PartitionKMeans::kFlat;
  else return InvalidArgumentError("--kmeans: expected hierarchical or flat, found \"{}\"", f.kmeans);
  if (f.vector_type == "vector") o.vector_type = true;
  else if (f.vector_type == "real[]") o.vector_type = false;
  else if (f.vector_type != "auto")
    return InvalidArgumentError("--vector-type: expected auto, vector or real[], found \"{}\"", f.vector_type);
  o.centroid_files = f.centroids;
  o.sampling_factor = f.sampling_factor;
  o.sample_size = f.sample_size;
  o.balanced = f.balanced;
  o.max_list_factor = f.max_list_factor;
  o.niter = f.niter;
  o.seed = f.seed;
  o.output = f.output;
  o.replace = f.replace;
  o.create_index = f.create_index;
  o.index_table = f.index_table;
  o.index_column = f.index_column;
  if (o.output.empty()) return InvalidArgumentError("--output: a directory or a postgresql:// URL is required");
  if (job::IsPostgresUrl(o.output) && o.output_table.empty())
    return InvalidArgumentError("--output {} needs the table to write (--table, or --output-table with --source)",
                                o.output);
  return o;
}

int RunPartitionCommand(const PartitionFlags& flags, const GlobalOptions& global) {
  auto options = ToOptions(flags);
  if (!options.ok()) return ReportError("partition", options.status(), true);
  CliContext run(global);
  auto r = job::RunPartition(*options, run.ctx());
  run.progress().Finish();
  if (!r.ok()) return ReportError("partition", r.status(), false);
  std::vector<size_t> sizes;
  for (const auto& l : r->tree.levels) sizes.push_back(l.k);
  fmt::print("partition: {} input rows, sample {} ({}), d = {}, levels {} (+ root), k-means {:.2f} s, write {:.2f} s\n",
             r->n_input, r->n_sample, r->sample_method, r->tree.d, fmt::join(sizes, ","), r->kmeans_seconds,
             r->write_seconds);
  fmt::print("wrote {}\n\n{}\n{}\n", r->output_description, r->create_index_sql, r->probes_sql);
  return kExitOk;
}

int RunEvalCommand(const EvalFlags& f, const GlobalOptions& global) {
  job::PartitionEvalOptions o;
  o.tree = f.tree;
  o.tree_table = f.tree_table;
  o.base_file = f.base;
  if (!f.source.empty()) o.base_source = job::PgColumnRef{f.source, f.table, f.column};
  o.queries_file = f.queries;
  o.k = f.k;
  auto metric = ParsePartitionMetric(f.metric);
  if (!metric.ok()) return ReportError("partition eval", metric.status(), true);
  o.metric = *metric;
  if (f.base.empty() == f.source.empty())
    return ReportError("partition eval", InvalidArgumentError("give exactly one of --base or --source/--table/--column"),
                       true);
  for (const auto& p : f.probes) {
    std::stringstream in(p);
    std::string setting;
    while (in >> setting) {
      auto parsed = ParseSizeList(setting, "--probes");
      if (!parsed.ok()) return ReportError("partition eval", parsed.status(), true);
      o.probes.push_back(*parsed);
    }
  }
  CliContext run(global);
  auto r = job::RunPartitionEval(o, run.ctx());
  run.progress().Finish();
  if (!r.ok()) return ReportError("partition eval", r.status(), false);
  const auto& s = r->leaf_sizes;
  fmt::print("leaves {} ({} empty); vectors per leaf: min {}, median {}, p99 {}, max {}\n", s.leaves, s.empty, s.min,
             s.median, s.p99, s.max);
  fmt::print("{:>16} {:>10} {:>16}\n", "probes", "recall@" + std::to_string(r->k), "scanned/query");
  for (const auto& p : r->results)
    fmt::print("{:>16} {:>10.4f} {:>16.1f}\n", fmt::format("{}", fmt::join(p.probes, ",")), p.recall, p.mean_scanned);
  if (!r->results.empty() && r->results.back().recall < f.min_recall)
    return ReportError("partition eval",
                       FailedPreconditionError("partition recall@{} {:.4f} is below --min-recall {}", r->k,
                                               r->results.back().recall, f.min_recall),
                       false);
  return kExitOk;
}

}  // namespace

void AddPartitionCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<PartitionFlags>();
  CLI::App* cmd = app.add_subcommand(
      "partition", "Build a VectorChord (vchordrq) partition tree for an external build; 'partition eval' measures one");
  cmd->add_option("--input,-i", flags->input, "Vector file (npy, fvecs, bvecs, hdf5, idx.gz, ...)");
  cmd->add_option("--source", flags->source, "Read from PostgreSQL: postgresql://USER@HOST:PORT/DB");
  cmd->add_option("--table", flags->table,
                  "With --source: the table to sample (schema.name); else the output table");
  cmd->add_option("--column", flags->column, "With --source: the vector column");
  cmd->add_option("--lists", flags->lists, "Lists per level, top-first (e.g. 512,160000), or auto")->default_str("auto");
  cmd->add_option("--sampling-factor", flags->sampling_factor, "Sample = last lists value × this")->default_str("256");
  cmd->add_option("--sample-size", flags->sample_size, "Explicit sample size (overrides the factor)");
  cmd->add_option("--metric", flags->metric, "l2, cos or dot")->default_str("l2");
  cmd->add_option("--kmeans", flags->kmeans,
                  "hierarchical (√k coarse clusters; each list trained on 64 sampled rows, a coarse cell's lists "
                  "stop early once ≤ 1% of its rows move) or flat (all sampled rows, --niter iterations)")
      ->default_str("hierarchical");
  cmd->add_flag("--balanced", flags->balanced, "Bound the largest list (see --max-list-factor)");
  cmd->add_option("--max-list-factor", flags->max_list_factor, "With --balanced: largest list ≤ factor × mean")
      ->default_str("2");
  cmd->add_option("--niter", flags->niter, "k-means iterations (hierarchical: the cap)")->default_str("10");
  cmd->add_option("--seed", flags->seed, "Sampling and k-means seed")->default_str("42");
  cmd->add_option("--centroids", flags->centroids, "Precomputed centroid files per level, top-first")->delimiter(',');
  cmd->add_option("--output,-o", flags->output, "Directory for .npy files, or postgresql://USER@HOST:PORT/DB");
  cmd->add_option("--output-table", flags->output_table, "Table to write (schema.name)");
  cmd->add_flag("--replace", flags->replace, "Replace an existing output table");
  cmd->add_option("--vector-type", flags->vector_type, "auto (vector if pgvector is installed), vector or real[]")
      ->default_str("auto");
  cmd->add_option("--index-table", flags->index_table, "Table the CREATE INDEX is for (default: --table with --source)");
  cmd->add_option("--index-column", flags->index_column, "Its vector column (default: --column)");
  cmd->add_flag("--create-index", flags->create_index, "Run the CREATE INDEX (needs the vchord extension)");

  auto eval = std::make_shared<EvalFlags>();
  CLI::App* ev = cmd->add_subcommand("eval", "Partition recall@k and vectors scanned, searched the way vchordrq does");
  ev->add_option("--tree", eval->tree, "Directory written by kiln partition, or postgresql://... with --tree-table")
      ->required();
  ev->add_option("--tree-table", eval->tree_table, "Partition-tree table");
  ev->add_option("--base", eval->base, "Base vectors file");
  ev->add_option("--source", eval->source, "Base vectors from PostgreSQL (with --table, --column)");
  ev->add_option("--table", eval->table, "Base table");
  ev->add_option("--column", eval->column, "Base vector column");
  ev->add_option("--queries,-q", eval->queries, "Query vectors")->required();
  ev->add_option("--metric", eval->metric, "l2, cos or dot")->default_str("l2");
  ev->add_option("-k", eval->k, "Neighbours per query")->default_str("10");
  ev->add_option("--probes", eval->probes, "Probe settings, one value per level, e.g. --probes 12,50 --probes 24,100");
  ev->add_option("--min-recall", eval->min_recall, "Exit 1 if recall at the last setting is below this")
      ->check(CLI::Range(0.0, 1.0));
  ev->callback([eval, &global, &exit_code] { exit_code = RunEvalCommand(*eval, global); });
  cmd->callback([ev, flags, &global, &exit_code] {
    if (ev->parsed()) return;  // `partition eval` ran its own callback
    exit_code = RunPartitionCommand(*flags, global);
  });
}

}  // namespace kiln::cli
