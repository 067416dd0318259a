// One build job as kiln serve keeps it (in SQLite and in answers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::service {

enum class JobState { kQueued, kRunning, kCompleted, kFailed, kCancelled };

std::string_view JobStateName(JobState state);  // "queued", "running", ...
std::optional<JobState> ParseJobState(std::string_view name);
bool IsFinished(JobState state);
// OpenSearch's task_status: RUNNING_INDEX_BUILD (queued, running),
// COMPLETED_INDEX_BUILD, FAILED_INDEX_BUILD (failed, cancelled).
std::string_view OpenSearchTaskStatus(JobState state);
// MyScale system.vector_indices status: InProgress, Built, Error.
std::string_view VectorIndexStatus(JobState state);

// Which API submitted the job; its request body (re-parsed to rebuild the
// job after a restart) is stored as-is.
inline constexpr std::string_view kApiOpenSearch = "opensearch";
inline constexpr std::string_view kApiV1 = "v1";

struct JobRecord {
  std::string id;
  std::string tenant;
  std::string api;           // kApiOpenSearch or kApiV1
  std::string request_json;  // the validated request body
  JobState state = JobState::kQueued;
  std::string phase;          // last phase reported (download, train, add, write, upload)
  double progress = 0;        // percent, 0..100
  uint64_t n = 0;             // vectors (expected until built)
  uint64_t d = 0;
  uint64_t memory_estimate = 0;  // bytes
  std::string file_name;      // OpenSearch: base name of the published .faiss
  std::string index_uri;      // where the index was published
  std::string error;          // why it failed (latest failure)
  std::string report_json;    // build report (timings, transfer rates)
  int attempts = 0;           // times a worker started it
  double created_at = 0;      // unix seconds
  double started_at = 0;
  double finished_at = 0;
};

double UnixNow();

}  // namespace kiln::service
