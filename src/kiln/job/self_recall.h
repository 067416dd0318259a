// A recall report for a finished build: `nq` rows of the input, spread
// evenly, are searched in the built index and compared with the exact k
// nearest neighbours over all rows (recall@k = shared ids / (nq·k)).
#pragma once

#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/job/build_job.h"

namespace kiln::job {

struct RecallReport {
  size_t queries = 0;
  size_t k = 0;
  size_t nprobe = 0;
  double recall = 0;
  double search_seconds = 0;
};

// `request` names the input (and ids) the index at index_path was built from.
StatusOr<RecallReport> EvaluateSelfRecall(const std::string& index_path, const BuildRequest& request, size_t nq,
                                          size_t k, size_t nprobe, const ExecContext& ctx);

}  // namespace kiln::job
