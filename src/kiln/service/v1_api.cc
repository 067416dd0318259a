// kiln's own API (/v1): any kiln build between object stores, listed like
// MyScale's system.vector_indices.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "kiln/job/pg_source.h"
#include "kiln/service/service.h"
#include "kiln/service/v1_request.h"

namespace kiln::service {
namespace {

StatusOr<std::string> NewJobId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return InternalError("no random bytes for a job id (OpenSSL RAND_bytes)");
  std::string id = "kj-";
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

nlohmann::ordered_json JobJson(const JobRecord& job) {
  nlohmann::ordered_json j;
  j["job_id"] = job.id;
  j["tenant"] = job.tenant;
  j["api"] = job.api;
  j["status"] = VectorIndexStatus(job.state);
  j["state"] = JobStateName(job.state);
  j["phase"] = job.phase;
  j["progress"] = job.progress;
  const double end = job.finished_at > 0 ? job.finished_at : UnixNow();
  j["elapsed_seconds"] = job.started_at > 0 ? end - job.started_at : 0.0;
  j["vectors"] = job.n;
  j["dimension"] = job.d;
  j["memory_estimate_bytes"] = job.memory_estimate;
  j["latest_failure"] = job.error;
  j["index_uri"] = job.index_uri;
  j["created_at"] = job.created_at;
  j["started_at"] = job.started_at;
  j["finished_at"] = job.finished_at;
  return j;
}

}  // namespace

HttpReply KilnService::SubmitV1(const std::string& body, const std::string& tenant) {
  std::vector<ValidationError> errors;
  V1Build v1 = ParseV1Build(body, errors);
  auto reject = [this](HttpReply reply) {
    metrics_.build_request_failure++;
    return reply;
  };
  if (!errors.empty()) return reject({422, ValidationErrorBody(errors)});
  const job::RemoteBuildSpec& spec = v1.spec;
  if (!job::IsAutoRequest(spec.build)) {
    auto resolved = job::ResolveIndexSpec(spec.build);
    if (!resolved.ok()) return reject(ErrorReply(422, resolved.status().message()));
  }
  const bool from_table = job::IsPostgresUri(spec.source_uri);
  for (const std::string* uri : {&spec.source_uri, &spec.ids_uri, &spec.output_uri}) {
    if (uri->empty() || (from_table && uri == &spec.source_uri)) continue;
    Status allowed = CheckBucket(*uri);
    if (!allowed.ok()) return reject(ErrorReply(HttpStatusOf(allowed), allowed.message()));
  }
  // Size the job from the source object (or table): vectors, index and slack ~ 3x.
  StatusOr<uint64_t> size = uint64_t{0};
  if (from_table) {
    if (config_.allowed_pg_hosts.empty())
      return reject(ErrorReply(403, "postgresql:// sources are off: list the servers in allowed_pg_hosts "
                                    "(--allowed-pg-host)"));
    Status allowed = job::CheckPostgresClientUrl(spec.source_uri, config_.allowed_pg_hosts);
    if (!allowed.ok()) return reject(ErrorReply(HttpStatusOf(allowed), allowed.message()));
    size = job::CheckPostgresSource(spec.source_uri, spec.source_table, spec.source_column);
  } else {
    auto source = storage::ParseObjectUri(spec.source_uri);
    auto store = Store(source->scheme);
    if (!store.ok()) return reject(ErrorReply(422, store.status().message()));
    size = (*store)->Size(source->ref);
  }
  if (!size.ok())
    return reject(ErrorReply(size.status().code() == StatusCode::kNotFound ? 422 : HttpStatusOf(size.status()),
                             fmt::format("source: {}", size.status().message())));
  JobRecord job;
  auto id = NewJobId();
  if (!id.ok()) return reject(ErrorReply(500, id.status().message()));
  job.id = *id;
  job.tenant = tenant;
  job.api = std::string(kApiV1);
  job.request_json = body;
  job.memory_estimate = 3 * *size + (64ull << 20);
  auto admitted = Admit(std::move(job));
  if (!admitted.ok()) return reject(ErrorReply(HttpStatusOf(admitted.status()), admitted.status().message()));
  metrics_.build_request_success++;
  return {201, JobJson(admitted->first).dump()};
}

HttpReply KilnService::ListV1(const std::string& tenant) {
  auto jobs = jobs_->List(tenant);
  if (!jobs.ok()) return ErrorReply(500, jobs.status().message());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (JobRecord& job : *jobs) {
    if (auto live = scheduler_->LiveState(job.id); live && job.state == JobState::kRunning) {
      job.phase = live->phase;
      job.progress = live->progress;
    }
    list.push_back(JobJson(job));
  }
  nlohmann::ordered_json body;
  body["jobs"] = list;
  return {200, body.dump()};
}

HttpReply KilnService::GetV1(const std::string& job_id, const std::string& tenant) {
  metrics_.status_requests++;
  auto job = FindForTenant(job_id, tenant);
  if (!job.ok()) return ErrorReply(500, job.status().message());
  if (!job->has_value()) return ErrorReply(404, "Job not found");
  return {200, JobJson(**job).dump()};
}

HttpReply KilnService::CancelV1(const std::string& job_id, const std::string& tenant) {
  auto job = FindForTenant(job_id, tenant);
  if (!job.ok()) return ErrorReply(500, job.status().message());
  if (!job->has_value()) return ErrorReply(404, "Job not found");
  if (IsFinished((*job)->state))
    return ErrorReply(409, fmt::format("job {} already finished ({})", job_id, JobStateName((*job)->state)));
  if (!scheduler_->Cancel(job_id)) {
    // It finished between the read above and the cancel, its runner has
    // returned and the outcome is being stored, or this server is not
    // running it: nothing was cancelled.
    auto now = FindForTenant(job_id, tenant);
    const std::string state = now.ok() && now->has_value() ? std::string(JobStateName((*now)->state)) : "gone";
    if (state != "queued" && state != "running")
      return ErrorReply(409, fmt::format("job {} already finished ({}); nothing was cancelled", job_id, state));
    return ErrorReply(409, fmt::format("job {} is {} but can no longer be cancelled (its outcome is being "
                                       "recorded, or this server does not run it); nothing was cancelled",
                                       job_id, state));
  }
  return {202, JobJson(**job).dump()};
}

HttpReply KilnService::ResultV1(const std::string& job_id, const std::string& tenant) {
  auto job = FindForTenant(job_id, tenant);
  if (!job.ok()) return ErrorReply(500, job.status().message());
  if (!job->has_value()) return ErrorReply(404, "Job not found");
  const JobRecord& j = **job;
  if (j.state != JobState::kCompleted)
    return ErrorReply(409, fmt::format("job {} is {}, not built", job_id, VectorIndexStatus(j.state)));
  nlohmann::ordered_json body;
  body["job_id"] = j.id;
  body["index_uri"] = j.index_uri;
  body["report"] = nlohmann::ordered_json::parse(j.report_json, nullptr, false);
  return {200, body.dump()};
}

}  // namespace kiln::service
