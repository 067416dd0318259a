#include "kiln/service/job_record.h"

#include <chrono>

namespace kiln::service {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kCompleted: return "completed";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kCompleted, JobState::kFailed,
                     JobState::kCancelled})
    if (JobStateName(s) == name) return s;
  return std::nullopt;
}

bool IsFinished(JobState state) {
  return state == JobState::kCompleted || state == JobState::kFailed || state == JobState::kCancelled;
}

std::string_view OpenSearchTaskStatus(JobState state) {
  if (state == JobState::kCompleted) return "COMPLETED_INDEX_BUILD";
  if (IsFinished(state)) return "FAILED_INDEX_BUILD";
  return "RUNNING_INDEX_BUILD";
}

std::string_view VectorIndexStatus(JobState state) {
  if (state == JobState::kCompleted) return "Built";
  if (IsFinished(state)) return "Error";
  return "InProgress";
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace kiln::service
