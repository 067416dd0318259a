// Per-job execution context passed into every long operation: the thread pool
// to run on, a cancellation token to poll, and a progress sink to report to.
// Nothing here is global; a service runs many jobs, each with its own context.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kiln/base/status.h"
#include "kiln/base/thread_pool.h"

namespace kiln {

// Set by whoever owns the job (a CLI signal handler, a DELETE request);
// polled by long loops between blocks of work.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool IsCancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

// Receives progress as (phase, done, total). Implementations must be
// thread-safe: workers may report concurrently.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Report(std::string_view phase, uint64_t done, uint64_t total) = 0;
};

struct ExecContext {
  ThreadPool* pool = nullptr;            // required
  const CancelToken* cancel = nullptr;   // optional
  ProgressSink* progress = nullptr;      // optional

  bool cancelled() const { return cancel != nullptr && cancel->IsCancelled(); }
  // CancelledError naming the phase if the job was cancelled, else OK.
  Status CheckCancelled(std::string_view phase) const {
    if (cancelled()) return CancelledError("cancelled during {}", phase);
    return OkStatus();
  }
  void Report(std::string_view phase, uint64_t done, uint64_t total) const {
    if (progress != nullptr) progress->Report(phase, done, total);
  }
};

}  // namespace kiln
