#include "kiln/service/metrics.h"

#include <fmt/format.h>

namespace kiln::service {
namespace {

void Counter(std::string& out, std::string_view name, std::string_view help, uint64_t value) {
  out += fmt::format("# HELP kiln_{0} {1}\n# TYPE kiln_{0} counter\nkiln_{0} {2}\n", name, help, value);
}

void Gauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  out += fmt::format("# HELP kiln_{0} {1}\n# TYPE kiln_{0} gauge\nkiln_{0} {2}\n", name, help, value);
}

void Summary(std::string& out, std::string_view name, std::string_view help, const Timer& t) {
  out += fmt::format("# HELP kiln_{0} {1}\n# TYPE kiln_{0} summary\nkiln_{0}_sum {2:.6f}\nkiln_{0}_count {3}\n",
                     name, help, static_cast<double>(t.micros.load()) / 1e6, t.count.load());
}

}  // namespace

std::string Metrics::RenderPrometheus() const {
  std::string out;
  Counter(out, "object_store_read_success_total", "Successful object-store downloads.", read_success);
  Counter(out, "object_store_read_failure_total", "Failed object-store downloads.", read_failure);
  Summary(out, "object_store_read_seconds", "Time spent downloading from object stores.", read_time);
  Counter(out, "object_store_read_bytes_total", "Bytes downloaded from object stores.", read_bytes);
  Counter(out, "object_store_write_success_total", "Successful object-store uploads.", write_success);
  Counter(out, "object_store_write_failure_total", "Failed object-store uploads.", write_failure);
  Summary(out, "object_store_write_seconds", "Time spent uploading to object stores.", write_time);
  Counter(out, "object_store_write_bytes_total", "Bytes uploaded to object stores.", write_bytes);
  Counter(out, "build_request_success_total", "Build submissions accepted.", build_request_success);
  Counter(out, "build_request_failure_total", "Build submissions rejected.", build_request_failure);
  Counter(out, "status_requests_total", "Status requests answered.", status_requests);
  Counter(out, "index_build_success_total", "Index builds completed.", index_build_success);
  Counter(out, "index_build_failure_total", "Index builds failed.", index_build_failure);
  Counter(out, "index_build_cancelled_total", "Index builds cancelled.", index_build_cancelled);
  Summary(out, "index_build_seconds", "Worker time per finished build.", build_time);
  Summary(out, "waiting_seconds", "Time from submission to a worker starting the build.", waiting_time);
  Gauge(out, "builds_in_progress", "Builds running now.", builds_in_progress);
  Gauge(out, "queue_length", "Jobs waiting for a worker or for memory.", queue_length);
  Gauge(out, "memory_in_use_bytes", "Memory estimates of running builds.", memory_in_use_bytes);
  Gauge(out, "memory_budget_bytes", "Configured memory budget for builds.", memory_budget_bytes);
  return out;
}

}  // namespace kiln::service
