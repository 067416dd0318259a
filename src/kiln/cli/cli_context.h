// What every CLI command runs with: a thread pool, a cancel token wired to
// SIGINT/SIGTERM, and a progress bar on stderr (TTY only, not with --quiet).
#pragma once

#include "kiln/base/exec_context.h"
#include "kiln/cli/commands.h"
#include "kiln/cli/progress_bar.h"

namespace kiln::cli {

class CliContext {
 public:
  explicit CliContext(const GlobalOptions& global);
  ~CliContext();
  const ExecContext& ctx() const { return ctx_; }
  ThreadPool& pool() { return pool_; }
  ProgressBar& progress() { return progress_; }

 private:
  ThreadPool pool_;
  CancelToken cancel_;
  ProgressBar progress_;
  ExecContext ctx_;
};

}  // namespace kiln::cli
