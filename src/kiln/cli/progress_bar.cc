#include "kiln/cli/progress_bar.h"

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace kiln::cli {

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled) {}
ProgressBar::~ProgressBar() { Finish(); }

bool ProgressBar::StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::Report(std::string_view phase, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  bool new_phase = phase != phase_;
  if (!new_phase && done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  if (new_phase && line_open_) std::fputc('\n', stderr);
  phase_ = std::string(phase);
  constexpr int kWidth = 30;
  double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  fmt::print(stderr, "\r{:<10} [{}] {:5.1f}% ({}/{})", phase_, bar, 100 * frac, done, total);
  std::fflush(stderr);
  line_open_ = true;
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (line_open_) std::fputc('\n', stderr);
  line_open_ = false;
  phase_.clear();
}

}  // namespace kiln::cli
