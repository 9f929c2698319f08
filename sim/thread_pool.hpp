// concurrent.futures.ThreadPoolExecutor (Lib/concurrent/futures/thread.py) inside one process:
// lazy worker start (one per submit while no worker is idle, bpo-24882), one shared SimpleQueue
// of work items, a per-task cost on each side, the None sentinel at shutdown. The idle
// semaphore is a real threading.Semaphore: submit and (before 3.12) every finished task take
// its lock, so with small tasks the caller and a worker can fall into a lock convoy through the
// GIL (each blocks on the lock the other owns while waiting for the GIL), two hand-offs per
// task. What a work item does is the owner's `Job`; the threads strategy runs tasks, asyncio's
// default executor runs single ops, a mixed pipeline's worker process runs its chunk.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "world.hpp"

namespace gilsim {

class ThreadPoolExecutor {
 public:
  // Worker `index` (0, 1, ... in start order) runs a work item.
  using Job = std::function<void(Tid worker, int index, std::int64_t payload)>;
  // Called on the worker, holding the GIL, right after set_result.
  using OnDone = std::function<void(std::int64_t payload, Nanos submitted)>;
  // Called on a new worker before it takes work (the 3.14 WorkerContext.initialize).
  using OnStart = std::function<void(Tid worker, int index)>;

  // `prefix` names the workers "<prefix>_<n>" (thread_name_prefix).
  ThreadPoolExecutor(World& world, PyProcess& process, int max_workers, std::string prefix,
                     Job job, OnDone on_done = {}, OnStart on_start = {});

  // submit(): returns the future's number (0, 1, ... in submission order).
  std::int64_t submit(Tid caller, std::int64_t payload);
  bool done(std::int64_t future) const { return futures_[static_cast<std::size_t>(future)].done; }
  // future.result(): waits with the GIL released until the future is done.
  void wait_for(Tid caller, std::int64_t future);
  // Executor.map(job, range(items)): submits every item first, then waits for each in order.
  void map(Tid caller, std::int64_t items);
  // shutdown(wait=True): put the None sentinel, join every worker.
  void shutdown(Tid caller);

 private:
  struct Future {
    std::int64_t payload = 0;
    Nanos submitted = 0;
    bool done = false;
  };
  // threading.Semaphore: a count under its Condition's Lock (Lib/threading.py).
  struct Semaphore {
    int value = 0;
    PyLock lock;
  };
  void adjust_thread_count(Tid caller);
  bool try_acquire_idle(Tid caller);
  void release_idle(Tid worker);
  void worker(Tid self, int index);

  static constexpr std::int64_t kShutdown = -1;  // the None sentinel in the work queue
  World& world_;
  PyProcess& process_;
  int max_workers_;
  std::string prefix_;
  Job job_;
  OnDone on_done_;
  OnStart on_start_;
  std::deque<std::int64_t> work_queue_;  // SimpleQueue of work items (future numbers)
  WaitQueue work_waiters_;               // workers blocked in work_queue.get()
  Semaphore idle_semaphore_;
  std::vector<Tid> threads_;
  std::deque<Future> futures_;  // deque: submits during a job keep references valid
  std::int64_t waiting_for_ = -1;  // the future whose result() a caller waits on
  WaitQueue result_waiter_;
};

}  // namespace gilsim
