// Runs queued jobs on a bounded set of worker threads, each with its own
// thread pool for the build, under a memory budget: a job starts only when
// its estimate fits next to the running ones (jobs that can never fit are
// refused at submission with 507). Queued jobs keep their order, but a
// smaller job may pass a big one that is waiting for memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/service/job_record.h"
#include "kiln/service/job_store.h"
#include "kiln/service/metrics.h"

namespace kiln::service {

struct SchedulerOptions {
  int workers = 2;            // builds at once
  int threads_per_build = 0;  // 0: all cores
  uint64_t memory_budget = 0; // bytes; 0: no limit
};

class Scheduler {
 public:
  // Does the work of one job: fills job.state (kCompleted/kFailed/kCancelled)
  // and the result fields; the scheduler persists them.
  using Runner = std::function<void(JobRecord& job, const ExecContext& ctx)>;

  Scheduler(SchedulerOptions options, JobStore& store, Metrics& metrics, Runner runner);
  ~Scheduler();  // stops: cancels running builds, waits for workers

  // ResourceExhausted when the estimate exceeds the whole budget.
  Status CheckAdmissible(uint64_t memory_estimate) const;
  // Queues a job that is stored in state kQueued.
  void Enqueue(const JobRecord& job);
  // Cancels a queued or running job; false when this scheduler has no such
  // job (finished or unknown) or its runner has already returned.
  bool Cancel(const std::string& id);

  struct Live {
    JobState state = JobState::kQueued;
    std::string phase;
    double progress = 0;  // percent
  };
  std::optional<Live> LiveState(const std::string& id) const;
  // Stops taking jobs, cancels running ones and joins the workers. Jobs it
  // interrupts stay "running" in the store, so the next start recovers them
  // as after a crash.
  void Stop();

 private:
  struct Running;
  struct Queued {
    std::string id;
    uint64_t estimate = 0;
    double created_at = 0;
  };
  void WorkerLoop(int worker);
  void RunOne(const Queued& item, const std::shared_ptr<Running>& running, ThreadPool& pool);
  void Persist(const JobRecord& job);

  SchedulerOptions options_;
  JobStore& store_;
  Metrics& metrics_;
  Runner runner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  std::map<std::string, std::shared_ptr<Running>> running_;
  uint64_t memory_in_use_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Percent done for a phase report, placing each phase in its share of the
// whole build (download, read, train/k-means/pq train, add, write,
// upload); -1 for other phases.
double OverallProgress(std::string_view phase, uint64_t done, uint64_t total);

}  // namespace kiln::service
