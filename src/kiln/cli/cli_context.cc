#include "kiln/cli/cli_context.h"

#include <csignal>

namespace kiln::cli {
namespace {
// The one process-wide hook: a signal handler can only reach a global.
CancelToken* g_signal_cancel = nullptr;
extern "C" void CancelOnSignal(int) {
  if (g_signal_cancel != nullptr) g_signal_cancel->Cancel();
}
}  // namespace

CliContext::CliContext(const GlobalOptions& global)
    : pool_(global.threads), progress_(!global.quiet && ProgressBar::StderrIsTerminal()) {
  ctx_.pool = &pool_;
  ctx_.cancel = &cancel_;
  ctx_.progress = &progress_;
  g_signal_cancel = &cancel_;
  std::signal(SIGINT, CancelOnSignal);
  std::signal(SIGTERM, CancelOnSignal);
}

CliContext::~CliContext() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  g_signal_cancel = nullptr;
}

}  // namespace kiln::cli
