// Progress on stderr for long CLI steps: a redrawn bar on a terminal, nothing
// when stderr is not a TTY or --quiet was given.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "kiln/base/exec_context.h"

namespace kiln::cli {

class ProgressBar final : public ProgressSink {
 public:
  // enabled = false makes every call a no-op.
  explicit ProgressBar(bool enabled);
  ~ProgressBar() override;
  void Report(std::string_view phase, uint64_t done, uint64_t total) override;
  // Ends the current line (before printing results).
  void Finish();

  // True when stderr is a terminal.
  static bool StderrIsTerminal();

 private:
  bool enabled_;
  std::mutex mu_;
  std::string phase_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace kiln::cli
