#include "kiln/service/service.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "kiln/job/self_recall.h"
#include "kiln/service/opensearch_request.h"
#include "kiln/service/v1_request.h"
#include "kiln/storage/object_store/file_object_store.h"
#include "kiln/storage/object_store/s3_object_store.h"

namespace kiln::service {
namespace fs = std::filesystem;

HttpReply ErrorReply(int status, std::string_view message) {
  nlohmann::ordered_json body;
  body["detail"] = message;
  return {status, body.dump()};
}

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return 404;
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnimplemented: return 422;
    case StatusCode::kResourceExhausted: return 507;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

StatusOr<std::unique_ptr<KilnService>> KilnService::Start(ServeConfig config) {
  KILN_RETURN_IF_ERROR(config.Finalize());
  std::unique_ptr<KilnService> service(new KilnService(std::move(config)));
  const ServeConfig& c = service->config_;
  std::error_code ec;
  fs::create_directories(c.data_dir, ec);
  fs::create_directories(c.store_root, ec);
  fs::create_directories(c.work_dir, ec);
  if (ec) return PermissionDeniedError("data directory {}: {}", c.data_dir, ec.message());
  KILN_ASSIGN_OR_RETURN(service->jobs_, JobStore::Open(c.db_path));
  service->file_store_ = std::make_unique<storage::FileObjectStore>(c.store_root);
  service->s3_store_ = std::make_unique<storage::S3ObjectStore>(c.s3);
  SchedulerOptions options{c.workers, c.build_threads, c.memory_budget};
  KilnService* self = service.get();
  service->scheduler_ = std::make_unique<Scheduler>(options, *service->jobs_, service->metrics_,
                                                    [self](JobRecord& job, const ExecContext& ctx) { self->RunJob(job, ctx); });
  KILN_RETURN_IF_ERROR(service->Recover());
  service->SweepExpired();
  service->sweeper_ = std::thread([self] {
    std::unique_lock lock(self->sweep_mu_);
    while (!self->sweep_cv_.wait_for(lock, std::chrono::seconds(60), [self] { return self->stopping_; })) {
      lock.unlock();
      self->SweepExpired();
      lock.lock();
    }
  });
  spdlog::info("event=start {}", c.Describe());
  return service;
}

KilnService::~KilnService() {
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  if (scheduler_) scheduler_->Stop();
}

// Attempts after which an interrupted job is failed instead of requeued.
constexpr int kMaxInterruptedAttempts = 3;

Status KilnService::Recover() {
  KILN_ASSIGN_OR_RETURN(std::vector<JobRecord> interrupted, jobs_->ListInState(JobState::kRunning));
  for (JobRecord& job : interrupted) {
    if (config_.restart_policy == "fail") {
      job.state = JobState::kFailed;
      job.error = "interrupted by a restart of kiln serve (restart_policy=fail)";
      job.finished_at = UnixNow();
    } else if (job.attempts >= kMaxInterruptedAttempts) {
      // A job that takes the process down (out of memory, an abort) would
      // otherwise run again after every restart.
      job.state = JobState::kFailed;
      job.error = fmt::format("interrupted by a restart of kiln serve in each of its {} attempts; not requeued again",
                              job.attempts);
      job.finished_at = UnixNow();
    } else {
      job.state = JobState::kQueued;
      job.error = "interrupted by a restart of kiln serve; requeued";
      job.phase = "";
      job.progress = 0;
    }
    KILN_RETURN_IF_ERROR(jobs_->Update(job));
    spdlog::info("job={} api={} tenant=\"{}\" state={} event=recovered", job.id, job.api, job.tenant,
                 JobStateName(job.state));
  }
  KILN_ASSIGN_OR_RETURN(std::vector<JobRecord> queued, jobs_->ListInState(JobState::kQueued));
  for (const JobRecord& job : queued) scheduler_->Enqueue(job);
  return OkStatus();
}

void KilnService::SweepExpired() {
  auto deleted = jobs_->DeleteFinishedBefore(UnixNow() - config_.retention_seconds);
  if (!deleted.ok()) spdlog::error("event=sweep_failed error=\"{}\"", deleted.status().message());
  else if (*deleted > 0) spdlog::info("event=expired jobs={}", *deleted);
}

StatusOr<storage::ObjectStore*> KilnService::Store(std::string_view scheme) {
  if (scheme == "file") return file_store_.get();
  if (scheme == "s3") return s3_store_.get();
  return InvalidArgumentError("no object store for scheme \"{}\"", scheme);
}

Status KilnService::CheckBucket(const std::string& uri) const {
  KILN_ASSIGN_OR_RETURN(storage::ObjectUri parsed, storage::ParseObjectUri(uri));
  if (config_.allowed_buckets.empty()) return OkStatus();
  for (const std::string& b : config_.allowed_buckets)
    if (b == parsed.ref.bucket) return OkStatus();
  return PermissionDeniedError("bucket \"{}\" is not in allowed_buckets", parsed.ref.bucket);
}

StatusOr<job::RemoteBuildSpec> KilnService::SpecOf(const JobRecord& job) {
  std::vector<ValidationError> errors;
  if (job.api == kApiOpenSearch) {
    OpenSearchBuild request = ParseOpenSearchBuild(job.request_json, errors);
    if (!errors.empty()) return InvalidArgumentError("stored request: {}", ValidationErrorBody(errors));
    return OpenSearchBuildSpec(request, config_.OpenSearchScheme(), config_.opensearch_factory);
  }
  V1Build v1 = ParseV1Build(job.request_json, errors);
  if (!errors.empty()) return InvalidArgumentError("stored request: {}", ValidationErrorBody(errors));
  return v1.spec;
}

StatusOr<std::pair<JobRecord, bool>> KilnService::Admit(JobRecord job) {
  KILN_ASSIGN_OR_RETURN(std::optional<JobRecord> existing, jobs_->Get(job.id));
  if (existing) return std::make_pair(*existing, false);
  KILN_RETURN_IF_ERROR(scheduler_->CheckAdmissible(job.memory_estimate));
  job.state = JobState::kQueued;
  job.created_at = UnixNow();
  KILN_ASSIGN_OR_RETURN(auto inserted, jobs_->InsertIfAbsent(job));
  if (inserted.second) {
    spdlog::info("job={} api={} tenant=\"{}\" state=queued memory_estimate_mib={}", job.id, job.api, job.tenant,
                 job.memory_estimate >> 20);
    scheduler_->Enqueue(inserted.first);
  }
  return inserted;
}

StatusOr<std::optional<JobRecord>> KilnService::FindForTenant(const std::string& id, const std::string& tenant) {
  KILN_ASSIGN_OR_RETURN(std::optional<JobRecord> job, jobs_->Get(id));
  if (job && job->tenant != tenant) return std::optional<JobRecord>();  // other tenants' jobs do not exist
  if (job) {
    if (auto live = scheduler_->LiveState(id); live && job->state == JobState::kRunning) {
      job->phase = live->phase;
      job->progress = live->progress;
    }
  }
  return job;
}

void KilnService::RunJob(JobRecord& job, const ExecContext& ctx) {
  auto spec = SpecOf(job);
  if (!spec.ok()) {
    job.state = JobState::kFailed;
    job.error = spec.status().message();
    return;
  }
  const std::string work = (fs::path(config_.work_dir) / job.id).string();
  std::error_code ec;
  fs::remove_all(work, ec);
  auto resolver = [this](std::string_view scheme) { return Store(scheme); };
  auto result = job::RunRemoteBuild(*spec, resolver, work, ctx);
  if (!result.ok()) {
    const Status& s = result.status();
    if (s.message().starts_with("download")) metrics_.read_failure++;
    if (s.message().starts_with("upload")) metrics_.write_failure++;
    if (s.code() == StatusCode::kCancelled || ctx.cancelled()) {
      job.state = JobState::kCancelled;
      job.error = "cancelled by request";
    } else {
      job.state = JobState::kFailed;
      job.error = s.message();
    }
    fs::remove_all(work, ec);
    return;
  }
  const job::RemoteBuildResult& r = *result;
  metrics_.read_success++;
  metrics_.read_bytes += r.download.bytes;
  metrics_.read_time.Observe(r.download.seconds);
  metrics_.write_success++;
  metrics_.write_bytes += r.upload.bytes;
  metrics_.write_time.Observe(r.upload.seconds);
  job.state = JobState::kCompleted;
  job.phase = "done";
  job.error.clear();
  job.index_uri = r.index_uri;
  job.file_name = fs::path(r.index_uri).filename().string();
  job.n = r.report.n;
  job.d = r.report.d;
  auto rate = [](const storage::TransferStats& t) { return t.seconds > 0 ? t.bytes / 1e6 / t.seconds : 0.0; };
  nlohmann::ordered_json report;
  report["description"] = r.report.description;
  report["n"] = r.report.n;
  report["d"] = r.report.d;
  report["index_bytes"] = r.report.index_bytes;
  report["seconds"] = {{"download", r.download.seconds}, {"read", r.report.read_seconds},
                       {"train", r.report.train_seconds}, {"add", r.report.add_seconds},
                       {"write", r.report.write_seconds}, {"upload", r.upload.seconds},
                       {"upload_commit", r.upload.commit_seconds},
                       {"upload_overlapped", r.overlapped_upload_seconds}};
  report["download_mb_per_s"] = rate(r.download);
  report["upload_mb_per_s"] = rate(r.upload);
  report["upload_sent_bytes"] = r.upload.bytes;
  report["upload_copied_bytes"] = r.upload.copied_bytes;
  if (job.api == kApiV1) {
    std::vector<ValidationError> errors;
    const V1Build v1 = ParseV1Build(job.request_json, errors);
    if (v1.recall_queries > 0) {
      auto recall = job::EvaluateSelfRecall(r.report.index_path, r.local_request, v1.recall_queries, 10, 16, ctx);
      if (recall.ok()) {
        report["recall"] = {{"queries", recall->queries}, {"k", recall->k}, {"nprobe", recall->nprobe},
                            {"recall_at_k", recall->recall}, {"search_seconds", recall->search_seconds}};
      } else {
        report["recall"] = {{"error", recall.status().message()}};
      }
    }
  }
  job.report_json = report.dump();
  fs::remove_all(work, ec);
}

}  // namespace kiln::service
