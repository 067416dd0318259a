#include <fmt/format.h>

#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/index/factory.h"
#include "kiln/job/build_job.h"

namespace kiln::cli {
namespace {

struct BuildFlags {
  job::BuildRequest request;
  std::string metric = "l2";
  std::string knnvec_type = "float";
  std::string non_finite = "reject";
  size_t dimension = 0;
};

int RunBuildCommand(BuildFlags& flags, const GlobalOptions& global) {
  auto metric = ParseMetric(flags.metric);
  if (!metric)
    return ReportError("build", InvalidArgumentError("--metric: expected l2, ip or cosine, found \"{}\"", flags.metric), true);
  flags.request.metric = *metric;
  // An unparsable or unsupported factory string is a usage error (exit 2),
  // found before any data is read.
  if (auto spec = index::ParseFactoryString(flags.request.factory); !spec.ok())
    return ReportError("build", spec.status(), true);
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
  cmd->add_option("--factory,-f", flags->request.factory, "Faiss factory string: Flat, IVF<nlist>,Flat")
      ->default_str("Flat");
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
  cmd->add_option("--seed", flags->request.seed, "Seed for sampling and k-means initialisation");
  cmd->add_option("--output,-o", flags->request.output_dir, "Output directory")->required();
  cmd->callback([flags, &global, &exit_code] { exit_code = RunBuildCommand(*flags, global); });
}

}  // namespace kiln::cli
