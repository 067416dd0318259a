#include <fmt/format.h>

#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/index/auto_select.h"
#include "kiln/index/factory.h"
#include "kiln/index/typed_definition.h"
#include "kiln/job/binary_build.h"
#include "kiln/job/build_job.h"

namespace kiln::cli {
namespace {

struct BuildFlags {
  job::BuildRequest request;
  std::string metric = "l2";
  std::string knnvec_type = "float";
  std::string non_finite = "reject";
  size_t dimension = 0;
  std::vector<std::string> params;  // --param k=v, repeatable
  std::string memory_budget;         // --memory-budget (AUTO)
  // Set by AddBuildCommand: to tell given flags from defaults.
  CLI::Option* factory_opt = nullptr;
  CLI::Option* index_type_opt = nullptr;
  CLI::Option* metric_opt = nullptr;
  CLI::Option* recall_opt = nullptr;
};

// Checks how the index is named (--factory | --index-type [--param ...] |
// --index-type AUTO [--memory-budget] [--target-recall]) and resolves the
// metric. Every error here is a usage error, found before any data is read.
Status ResolveIndexFlags(BuildFlags& flags) {
  job::BuildRequest& request = flags.request;
  const bool has_factory = flags.factory_opt->count() > 0;
  const bool has_type = flags.index_type_opt->count() > 0;
  if (has_factory && has_type)
    return InvalidArgumentError(
        "--factory \"{}\" and --index-type {} both name the index: give exactly one of them",
        request.factory, request.index_type);
  if (!has_type && !flags.params.empty())
    return InvalidArgumentError("--param needs --index-type (parameters of a typed definition)");
  const bool is_auto = has_type && job::IsAutoRequest(request);
  if (!is_auto && (!flags.memory_budget.empty() || flags.recall_opt->count() > 0))
    return InvalidArgumentError("--memory-budget and --target-recall need --index-type AUTO");
  if (is_auto && !flags.params.empty())
    return InvalidArgumentError("--index-type AUTO takes no --param (use --memory-budget, --target-recall)");
  for (const std::string& text : flags.params) {
    KILN_ASSIGN_OR_RETURN(auto param, index::ParseParamAssignment(text));
    request.index_params.push_back(std::move(param));
  }
  if (!flags.memory_budget.empty()) {
    KILN_ASSIGN_OR_RETURN(request.memory_budget, index::ParseByteSize(flags.memory_budget));
  }
  if (!(request.target_recall > 0 && request.target_recall <= 1))
    return InvalidArgumentError("--target-recall: expected a value in (0, 1], found {}", request.target_recall);
  auto metric = ParseMetric(flags.metric);
  if (!metric) return InvalidArgumentError("--metric: expected l2, ip or cosine, found \"{}\"", flags.metric);
  request.metric = *metric;
  if (is_auto || job::IsBinaryHnswRequest(request)) return OkStatus();
  // An unparsable or unsupported index is a usage error (exit 2).
  KILN_ASSIGN_OR_RETURN(index::IndexSpec spec, job::ResolveIndexSpec(request));
  if (spec.metric) {
    if (flags.metric_opt->count() > 0 && *spec.metric != request.metric)
      return InvalidArgumentError("--metric {} conflicts with metric_type = {} of --index-type {}",
                                  MetricName(request.metric), MetricName(*spec.metric), request.index_type);
    request.metric = *spec.metric;
  }
  return OkStatus();
}

int RunBuildCommand(BuildFlags& flags, const GlobalOptions& global) {
  if (Status status = ResolveIndexFlags(flags); !status.ok()) return ReportError("build", status, true);
  ReadOptions& read = flags.request.read_options;
  if (flags.dimension > 0) read.dimension = flags.dimension;
  if (flags.knnvec_type == "float") read.knnvec_type = KnnVecType::kFloat;
  else if (flags.knnvec_type == "byte") read.knnvec_type = KnnVecType::kByte;
  else if (flags.knnvec_type == "binary") read.knnvec_type = KnnVecType::kBinary;
  else if (flags.knnvec_type == "half_float") read.knnvec_type = KnnVecType::kHalfFloat;
  if (flags.non_finite == "reject") read.non_finite = NonFinitePolicy::kReject;
  else if (flags.non_finite == "skip") read.non_finite = NonFinitePolicy::kSkipRow;
  else if (flags.non_finite == "zero") read.non_finite = NonFinitePolicy::kZero;

  CliContext run(global);
  auto report = job::RunBuild(flags.request, run.ctx());
  run.progress().Finish();
  if (!report.ok()) return ReportError("build", report.status(), false);
  for (const auto& w : report->warnings) fmt::print(stderr, "kiln build: warning: {}\n", w);
  if (!report->auto_reason.empty()) fmt::print("auto: {}\n", report->auto_reason);
  fmt::print("built {} (n={}, d={}, metric={}) in {:.2f} s: read {:.2f} s, train {:.2f} s, add {:.2f} s, write {:.2f} s\n",
             report->description, report->n, report->d, MetricName(flags.request.metric),
             report->total_seconds, report->read_seconds, report->train_seconds, report->add_seconds,
             report->write_seconds);
  fmt::print("wrote {} ({} bytes) and {}/_SUCCESS\n", report->index_path, report->index_bytes,
             flags.request.output_dir);
  return kExitOk;
}

}  // namespace

void AddBuildCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<BuildFlags>();
  CLI::App* cmd = app.add_subcommand("build", "Train and fill an index, write DIR/faiss.index then DIR/_SUCCESS");
  cmd->add_option("--input,-i", flags->request.input,
                  "Vectors: .npy .fvecs .bvecs .ivecs .hdf5[:dataset] IDX(.gz) .knnvec")
      ->required();
  flags->factory_opt =
      cmd->add_option("--factory,-f", flags->request.factory,
                      "Faiss factory string: Flat, IVF<nlist>,Flat, ... (docs/factory.md)")
          ->default_str("Flat");
  flags->index_type_opt = cmd->add_option(
      "--index-type", flags->request.index_type,
      "Instead of --factory: FLAT | IVFFLAT | IVFPQ | IVFSQ | HNSWFLAT | HNSWSQ | AUTO");
  cmd->add_option("--param", flags->params, "key=value of --index-type, repeatable (ncentroids=1024)")
      ->allow_extra_args(false);
  cmd->add_option("--memory-budget", flags->memory_budget,
                  "AUTO: memory the index may use, e.g. 8G (default: no limit)");
  flags->recall_opt = cmd->add_option("--target-recall", flags->request.target_recall,
                                      "AUTO: recall@10 to aim for (default 0.95)");
  flags->metric_opt =
      cmd->add_option("--metric,-m", flags->metric, "l2 | ip | cosine (cosine normalises vectors at ingest)")
          ->default_str("l2");
  cmd->add_option("--sample-rate", flags->request.sample_rate,
                  "Share of vectors used for training, in (0, 1] (default: at most 256 per centroid)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--ids", flags->request.ids_path, "External ids (.npy int64/int32 or .knndid), one per vector");
  cmd->add_option("--dimension", flags->dimension, "Dimension of a headerless .knnvec input");
  cmd->add_option("--knnvec-type", flags->knnvec_type, "float | byte | binary | half_float (.knnvec inputs)")
      ->check(CLI::IsMember({"float", "byte", "binary", "half_float"}));
  cmd->add_option("--non-finite", flags->non_finite, "NaN/Inf rows: reject | skip | zero")
      ->check(CLI::IsMember({"reject", "skip", "zero"}));
  cmd->add_option("--ef-construction", flags->request.ef_construction,
                  "HNSW: candidate list size while inserting (default: Faiss's 40, or ef_c)");
  cmd->add_option("--ef-search", flags->request.ef_search,
                  "HNSW: efSearch stored in the file (default: Faiss's 16, or ef_s)");
  cmd->add_option("--seed", flags->request.seed, "Seed for sampling and k-means initialisation");
  cmd->add_option("--output,-o", flags->request.output_dir, "Output directory")->required();
  cmd->callback([flags, &global, &exit_code] { exit_code = RunBuildCommand(*flags, global); });
}

}  // namespace kiln::cli
