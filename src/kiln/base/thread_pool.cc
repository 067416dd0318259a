#include "kiln/base/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace kiln {
namespace {
thread_local const ThreadPool* tls_running_pool = nullptr;
}  // namespace

struct ThreadPool::Job {
  size_t n = 0;
  size_t grain = 1;
  bool is_static = false;
  std::atomic<size_t> next{0};
  const std::function<void(size_t, size_t, int)>* fn = nullptr;
};

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  num_threads_ = num_threads;
  for (int w = 1; w < num_threads_; ++w) threads_.emplace_back([this, w] { WorkerLoop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::RunChunks(Job& job, int worker) {
  const ThreadPool* saved = tls_running_pool;
  tls_running_pool = this;
  if (job.is_static) {
    size_t per = (job.n + num_threads_ - 1) / num_threads_;
    size_t begin = std::min(job.n, per * worker), end = std::min(job.n, begin + per);
    if (begin < end) (*job.fn)(begin, end, worker);
  } else {
    for (;;) {
      size_t begin = job.next.fetch_add(job.grain, std::memory_order_relaxed);
      if (begin >= job.n) break;
      (*job.fn)(begin, std::min(job.n, begin + job.grain), worker);
    }
  }
  tls_running_pool = saved;
}

void ThreadPool::WorkerLoop(int worker) {
  uint64_t seen = 0;
  for (;;) {
    Job* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
    }
    RunChunks(*job, worker);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_.notify_all();
    }
  }
}

static void RunInline(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn) {
  for (size_t b = 0; b < n; b += grain) fn(b, std::min(n, b + grain), 0);
}

void ThreadPool::Dispatch(Job& job) {
  std::lock_guard<std::mutex> submit(submit_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    active_ = num_threads_ - 1;
    ++generation_;
  }
  wake_.notify_all();
  RunChunks(job, 0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return active_ == 0; });
  job_ = nullptr;
}

void ThreadPool::ParallelFor(size_t n, size_t grain,
                             const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(1, grain);
  if (num_threads_ == 1 || n <= grain || tls_running_pool == this) {
    RunInline(n, grain, fn);
    return;
  }
  Job job;
  job.n = n;
  job.grain = grain;
  job.fn = &fn;
  Dispatch(job);
}

void ThreadPool::ParallelForStatic(size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  if (num_threads_ == 1 || tls_running_pool == this) {
    // Same ranges as the threaded path so results do not depend on nesting.
    size_t per = (n + num_threads_ - 1) / num_threads_;
    for (int w = 0; w < num_threads_; ++w) {
      size_t begin = std::min(n, per * w), end = std::min(n, begin + per);
      if (begin < end) fn(begin, end, w);
    }
    return;
  }
  Job job;
  job.n = n;
  job.is_static = true;
  job.fn = &fn;
  Dispatch(job);
}

}  // namespace kiln
