// An explicit, fixed-size thread pool. Long operations take a ThreadPool&
// (through ExecContext) instead of using global OpenMP state.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {

class ThreadPool {
 public:
  // num_threads counts the calling thread: ThreadPool(1) runs everything inline.
  // 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end, worker) over [0, n) in chunks of at most `grain`
  // items, on all threads (the caller included), and returns when every chunk
  // is done. `worker` is in [0, num_threads()) and is stable for the call, so
  // it can index per-thread scratch. Chunks are handed out dynamically; code
  // that must be reproducible should not let results depend on which worker
  // ran a chunk. A call from inside a running ParallelFor runs inline.
  void ParallelFor(size_t n, size_t grain,
                   const std::function<void(size_t begin, size_t end, int worker)>& fn);

  // Like ParallelFor but with a fixed mapping: worker w gets the w-th of
  // num_threads() equal contiguous ranges. For reductions that must not depend
  // on scheduling.
  void ParallelForStatic(size_t n, const std::function<void(size_t begin, size_t end, int worker)>& fn);

 private:
  struct Job;
  void WorkerLoop(int worker);
  void RunChunks(Job& job, int worker);
  // Runs `job` on every worker and the caller; returns when all are done.
  void Dispatch(Job& job);

  int num_threads_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int active_ = 0;
  bool stop_ = false;
  std::mutex submit_mu_;  // one ParallelFor at a time per pool
};

}  // namespace kiln
