// The OpenSearch k-NN remote build contract (shared/reference/
// opensearch-remote-build.md §1): replies carry exactly the fields the k-NN
// client accepts, since it rejects any unknown one.
#include <nlohmann/json.hpp>

#include "kiln/service/opensearch_request.h"
#include "kiln/service/service.h"

namespace kiln::service {
namespace {

nlohmann::ordered_json StatusJson(const JobRecord& job) {
  nlohmann::ordered_json body;
  body["task_status"] = OpenSearchTaskStatus(job.state);
  if (job.state == JobState::kCompleted) body["file_name"] = job.file_name;
  if (IsFinished(job.state) && job.state != JobState::kCompleted)
    body["error_message"] = job.error.empty() ? "failed" : job.error;
  return body;
}

}  // namespace

HttpReply KilnService::SubmitOpenSearch(const std::string& body) {
  std::vector<ValidationError> errors;
  const OpenSearchBuild request = ParseOpenSearchBuild(body, errors);
  auto reject = [this](HttpReply reply) {
    metrics_.build_request_failure++;
    return reply;
  };
  if (!errors.empty()) return reject({422, ValidationErrorBody(errors)});
  const std::string scheme = config_.OpenSearchScheme();
  auto spec = OpenSearchBuildSpec(request, scheme, config_.opensearch_factory);
  if (!spec.ok()) return reject(ErrorReply(422, spec.status().message()));
  for (const std::string* uri : {&spec->source_uri, &spec->ids_uri, &spec->output_uri}) {
    Status allowed = CheckBucket(*uri);
    if (!allowed.ok()) return reject(ErrorReply(HttpStatusOf(allowed), allowed.message()));
  }
  JobRecord job;
  job.id = OpenSearchJobId(request);
  job.tenant = request.tenant_id;
  job.api = std::string(kApiOpenSearch);
  job.request_json = body;
  job.n = static_cast<uint64_t>(request.doc_count);
  job.d = static_cast<uint64_t>(request.dimension);
  job.memory_estimate = OpenSearchMemoryEstimate(request, config_.opensearch_factory);
  auto admitted = Admit(std::move(job));
  if (!admitted.ok()) return reject(ErrorReply(HttpStatusOf(admitted.status()), admitted.status().message()));
  metrics_.build_request_success++;
  nlohmann::ordered_json reply;
  reply["job_id"] = admitted->first.id;
  return {200, reply.dump()};
}

HttpReply KilnService::OpenSearchStatus(const std::string& job_id) {
  metrics_.status_requests++;
  auto job = jobs_->Get(job_id);
  if (!job.ok()) return ErrorReply(500, job.status().message());
  if (!job->has_value()) return ErrorReply(404, "Job not found");
  return {200, StatusJson(**job).dump()};
}

HttpReply KilnService::OpenSearchJobs(const std::string& tenant) {
  auto jobs = jobs_->List(tenant);
  if (!jobs.ok()) return ErrorReply(500, jobs.status().message());
  nlohmann::ordered_json table = nlohmann::ordered_json::object();
  for (const JobRecord& job : *jobs) table[job.id] = StatusJson(job);
  // As the reference service answers: a JSON string holding the JSON-encoded
  // dict (double-encoded), so its e2e script runs against kiln unchanged.
  return {200, nlohmann::ordered_json(table.dump()).dump()};
}

}  // namespace kiln::service
