// Prometheus metrics of kiln serve (text exposition format 0.0.4 at
// /metrics). Names follow the counters the OpenSearch k-NN client keeps for
// remote builds (object-store reads/writes, build requests, status
// requests, index builds, waiting time, builds in progress), plus queue
// length and memory in use. All updates are lock-free atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace kiln::service {

// A counter pair: total seconds and observations (a Prometheus summary
// without quantiles).
struct Timer {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> micros{0};
  void Observe(double seconds) {
    count.fetch_add(1, std::memory_order_relaxed);
    micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  }
};

struct Metrics {
  std::atomic<uint64_t> read_success{0};    // object-store downloads (vectors + ids)
  std::atomic<uint64_t> read_failure{0};
  Timer read_time;
  std::atomic<uint64_t> read_bytes{0};
  std::atomic<uint64_t> write_success{0};   // index uploads
  std::atomic<uint64_t> write_failure{0};
  Timer write_time;
  std::atomic<uint64_t> write_bytes{0};
  std::atomic<uint64_t> build_request_success{0};  // POST /_build and /v1 submissions accepted
  std::atomic<uint64_t> build_request_failure{0};  // rejected (4xx/5xx)
  std::atomic<uint64_t> status_requests{0};
  std::atomic<uint64_t> index_build_success{0};
  std::atomic<uint64_t> index_build_failure{0};
  std::atomic<uint64_t> index_build_cancelled{0};
  Timer build_time;    // worker start to finish
  Timer waiting_time;  // submission to worker start
  std::atomic<int64_t> builds_in_progress{0};
  std::atomic<int64_t> queue_length{0};
  std::atomic<int64_t> memory_in_use_bytes{0};  // sum of estimates of running jobs
  std::atomic<int64_t> memory_budget_bytes{0};

  std::string RenderPrometheus() const;
};

}  // namespace kiln::service
