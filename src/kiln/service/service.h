// KilnService: everything kiln serve does, without HTTP. The handlers in
// http_server.cc only translate requests to these calls and replies back.
//   - OpenSearch remote build contract: /_build, /_status/{id}, /_jobs
//   - kiln's own /v1 API: submit any build, list, get, cancel, result
//   - recovery after a restart and expiry of finished jobs
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kiln/job/remote_build.h"
#include "kiln/service/config.h"
#include "kiln/service/job_store.h"
#include "kiln/service/metrics.h"
#include "kiln/service/scheduler.h"
#include "kiln/storage/object_store/object_store.h"

namespace kiln::service {

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class KilnService {
 public:
  // Opens the job store, recovers interrupted jobs (by restart_policy) and
  // starts the workers and the retention sweeper.
  static StatusOr<std::unique_ptr<KilnService>> Start(ServeConfig config);
  ~KilnService();

  HttpReply SubmitOpenSearch(const std::string& body);
  HttpReply OpenSearchStatus(const std::string& job_id);
  HttpReply OpenSearchJobs(const std::string& tenant);

  HttpReply SubmitV1(const std::string& body, const std::string& tenant);
  HttpReply ListV1(const std::string& tenant);
  HttpReply GetV1(const std::string& job_id, const std::string& tenant);
  HttpReply CancelV1(const std::string& job_id, const std::string& tenant);
  HttpReply ResultV1(const std::string& job_id, const std::string& tenant);

  Metrics& metrics() { return metrics_; }
  const ServeConfig& config() const { return config_; }
  // Deletes finished jobs older than the retention (also run periodically).
  void SweepExpired();

 private:
  explicit KilnService(ServeConfig config) : config_(std::move(config)) {}
  Status Recover();
  StatusOr<storage::ObjectStore*> Store(std::string_view scheme);
  Status CheckBucket(const std::string& uri) const;
  // The build a stored job stands for (re-parsed from its request body).
  StatusOr<job::RemoteBuildSpec> SpecOf(const JobRecord& job);
  void RunJob(JobRecord& job, const ExecContext& ctx);
  // Stores a new job (or finds the existing one with its id) and queues it.
  StatusOr<std::pair<JobRecord, bool>> Admit(JobRecord job);
  StatusOr<std::optional<JobRecord>> FindForTenant(const std::string& id, const std::string& tenant);

  ServeConfig config_;
  Metrics metrics_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<storage::ObjectStore> file_store_;
  std::unique_ptr<storage::ObjectStore> s3_store_;
  std::unique_ptr<Scheduler> scheduler_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

// Error JSON: {"detail": "<message>"}.
HttpReply ErrorReply(int status, std::string_view message);
// HTTP status for a Status code (404 NotFound, 422 InvalidArgument, 507
// ResourceExhausted, 403 PermissionDenied, else 500).
int HttpStatusOf(const Status& status);

}  // namespace kiln::service
