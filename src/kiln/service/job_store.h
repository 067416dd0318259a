// The persistent job table (SQLite, one file, WAL). Every state change of a
// job is written here before it is answered, so a restart loses nothing:
// finished jobs still answer /_status and interrupted ones are recovered.
// Thread-safe (one connection behind a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/service/job_record.h"

struct sqlite3;

namespace kiln::service {

class JobStore {
 public:
  // Opens or creates the database (":memory:" for tests).
  static StatusOr<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Inserts the job unless one with its id exists; returns the stored job and
  // whether it was created now.
  StatusOr<std::pair<JobRecord, bool>> InsertIfAbsent(const JobRecord& job);
  // Writes every field of an existing job.
  Status Update(const JobRecord& job);
  StatusOr<std::optional<JobRecord>> Get(const std::string& id);
  // All jobs (tenant empty) or one tenant's, newest first.
  StatusOr<std::vector<JobRecord>> List(const std::optional<std::string>& tenant);
  // Jobs in the given state, oldest first.
  StatusOr<std::vector<JobRecord>> ListInState(JobState state);
  // Deletes finished jobs that finished before `cutoff` (unix seconds);
  // queued and running jobs never expire. Returns how many went.
  StatusOr<int> DeleteFinishedBefore(double cutoff);

 private:
  explicit JobStore(sqlite3* db) : db_(db) {}
  Status Exec(const std::string& sql);
  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace kiln::service
