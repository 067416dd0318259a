#include "kiln/service/scheduler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace kiln::service {

double OverallProgress(std::string_view phase, uint64_t done, uint64_t total) {
  struct Range {
    std::string_view phase;
    double begin, end;
  };
  static constexpr Range kRanges[] = {{"download", 0, 10}, {"read", 10, 15},  {"train", 15, 40},
                                      {"k-means", 15, 40}, {"pq train", 15, 40}, {"add", 40, 90},
                                      {"write", 90, 95},   {"upload", 95, 100}};
  const double fraction = total == 0 ? 0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  for (const Range& r : kRanges)
    if (phase.starts_with(r.phase)) return r.begin + (r.end - r.begin) * fraction;
  return -1;  // unknown phase: keep the last value
}

struct Scheduler::Running final : ProgressSink {
  CancelToken cancel;
  bool finishing = false;  // the runner returned: too late to cancel (guarded by Scheduler::mu_)
  mutable std::mutex mu;
  std::string phase;
  double progress = 0;
  void Report(std::string_view p, uint64_t done, uint64_t total) override {
    const double pct = OverallProgress(p, done, total);
    std::lock_guard lock(mu);
    phase = std::string(p);
    if (pct >= 0) progress = std::max(progress, pct);
  }
};

Scheduler::Scheduler(SchedulerOptions options, JobStore& store, Metrics& metrics, Runner runner)
    : options_(options), store_(store), metrics_(metrics), runner_(std::move(runner)) {
  metrics_.memory_budget_bytes = static_cast<int64_t>(options_.memory_budget);
  const int workers = std::max(1, options_.workers);
  for (int w = 0; w < workers; ++w) workers_.emplace_back([this, w] { WorkerLoop(w); });
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, running] : running_) running->cancel.Cancel();
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

Status Scheduler::CheckAdmissible(uint64_t memory_estimate) const {
  if (options_.memory_budget != 0 && memory_estimate > options_.memory_budget)
    return ResourceExhaustedError("the build needs about {} MiB, more than the memory budget of {} MiB",
                                  memory_estimate >> 20, options_.memory_budget >> 20);
  return OkStatus();
}

void Scheduler::Enqueue(const JobRecord& job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({job.id, job.memory_estimate, job.created_at});
    metrics_.queue_length = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_all();
}

bool Scheduler::Cancel(const std::string& id) {
  std::unique_lock lock(mu_);
  if (auto it = running_.find(id); it != running_.end()) {
    if (it->second->finishing) return false;  // its outcome is being recorded
    it->second->cancel.Cancel();
    return true;
  }
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Queued& q) { return q.id == id; });
  if (it == queue_.end()) return false;
  queue_.erase(it);
  metrics_.queue_length = static_cast<int64_t>(queue_.size());
  lock.unlock();
  auto record = store_.Get(id);
  if (record.ok() && record->has_value()) {
    JobRecord job = **record;
    job.state = JobState::kCancelled;
    job.error = "cancelled by request before it started";
    job.finished_at = UnixNow();
    Persist(job);
    metrics_.index_build_cancelled++;
  }
  return true;
}

std::optional<Scheduler::Live> Scheduler::LiveState(const std::string& id) const {
  std::lock_guard lock(mu_);
  if (auto it = running_.find(id); it != running_.end()) {
    std::lock_guard plock(it->second->mu);
    return Live{JobState::kRunning, it->second->phase, it->second->progress};
  }
  for (const Queued& q : queue_)
    if (q.id == id) return Live{JobState::kQueued, "queued", 0};
  return std::nullopt;
}

void Scheduler::Persist(const JobRecord& job) {
  Status status = store_.Update(job);
  if (!status.ok()) spdlog::error("job={} event=persist_failed error=\"{}\"", job.id, status.message());
  spdlog::info("job={} api={} tenant=\"{}\" state={} attempt={} phase={}{}", job.id, job.api, job.tenant,
               JobStateName(job.state), job.attempts, job.phase.empty() ? "-" : job.phase,
               job.error.empty() ? "" : fmt::format(" error=\"{}\"", job.error));
}

void Scheduler::WorkerLoop(int worker) {
  ThreadPool pool(options_.threads_per_build > 0 ? options_.threads_per_build
                                                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  (void)worker;
  while (true) {
    Queued item;
    std::shared_ptr<Running> running;
    {
      std::unique_lock lock(mu_);
      auto fits = [&](const Queued& q) {
        return options_.memory_budget == 0 || memory_in_use_ == 0 ||
               memory_in_use_ + q.estimate <= options_.memory_budget;
      };
      std::deque<Queued>::iterator next;
      cv_.wait(lock, [&] {
        if (stopping_) return true;
        next = std::find_if(queue_.begin(), queue_.end(), fits);
        return next != queue_.end();
      });
      if (stopping_) return;
      item = *next;
      queue_.erase(next);
      memory_in_use_ += item.estimate;
      running = std::make_shared<Running>();
      running_[item.id] = running;
      metrics_.queue_length = static_cast<int64_t>(queue_.size());
      metrics_.memory_in_use_bytes = static_cast<int64_t>(memory_in_use_);
      metrics_.builds_in_progress++;
    }
    RunOne(item, running, pool);
    {
      std::lock_guard lock(mu_);
      running_.erase(item.id);
      memory_in_use_ -= item.estimate;
      metrics_.memory_in_use_bytes = static_cast<int64_t>(memory_in_use_);
      metrics_.builds_in_progress--;
    }
    cv_.notify_all();
  }
}

void Scheduler::RunOne(const Queued& item, const std::shared_ptr<Running>& running, ThreadPool& pool) {
  auto loaded = store_.Get(item.id);
  if (!loaded.ok() || !loaded->has_value()) {
    spdlog::error("job={} event=vanished_before_start", item.id);
    return;
  }
  JobRecord job = **loaded;
  if (job.state != JobState::kQueued) return;  // cancelled meanwhile
  job.state = JobState::kRunning;
  job.started_at = UnixNow();
  job.attempts++;
  job.phase = "starting";
  metrics_.waiting_time.Observe(std::max(0.0, job.started_at - job.created_at));
  Persist(job);

  ExecContext ctx{&pool, &running->cancel, running.get()};
  runner_(job, ctx);
  {
    std::lock_guard lock(mu_);
    running->finishing = true;
  }
  {
    std::lock_guard plock(running->mu);
    if (job.state != JobState::kCompleted) job.phase = running->phase;
    job.progress = job.state == JobState::kCompleted ? 100 : running->progress;
  }
  bool stopping;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
  }
  if (stopping && job.state != JobState::kCompleted) {
    // The service is shutting down: the job was interrupted, not failed; the
    // next start recovers it like a crash would.
    spdlog::info("job={} event=interrupted_by_shutdown", job.id);
    return;
  }
  job.finished_at = UnixNow();
  metrics_.build_time.Observe(job.finished_at - job.started_at);
  if (job.state == JobState::kCompleted) metrics_.index_build_success++;
  else if (job.state == JobState::kCancelled) metrics_.index_build_cancelled++;
  else metrics_.index_build_failure++;
  Persist(job);
}

}  // namespace kiln::service
