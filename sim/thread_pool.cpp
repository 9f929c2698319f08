#include "thread_pool.hpp"

#include <fmt/format.h>

namespace gilsim {

ThreadPoolExecutor::ThreadPoolExecutor(World& world, PyProcess& process, int max_workers,
                                       std::string prefix, Job job, OnDone on_done,
                                       OnStart on_start)
    : world_(world),
      process_(process),
      max_workers_(max_workers),
      prefix_(std::move(prefix)),
      job_(std::move(job)),
      on_done_(std::move(on_done)),
      on_start_(std::move(on_start)) {
  threads_.reserve(static_cast<std::size_t>(max_workers));
}

// Future and _WorkItem, work_queue.put(), _adjust_thread_count().
std::int64_t ThreadPoolExecutor::submit(Tid caller, std::int64_t payload) {
  process_.interp().run_python(caller, world_.profile.pool_submit, ThreadState::overhead);
  const auto future = static_cast<std::int64_t>(futures_.size());
  futures_.push_back({payload, world_.now(), false});
  work_queue_.push_back(future);
  world_.os.notify_one(work_waiters_);
  adjust_thread_count(caller);
  return future;
}

// A new worker only when no idle one could be claimed (bpo-24882), up to max_workers.
void ThreadPoolExecutor::adjust_thread_count(Tid caller) {
  if (try_acquire_idle(caller)) return;
  if (static_cast<int>(threads_.size()) >= max_workers_) return;
  const int index = static_cast<int>(threads_.size());
  const auto name = fmt::format("{}_{}", prefix_, index);
  threads_.push_back(process_.threading().start(caller, name,
                                                [this, index](Tid self) { worker(self, index); }));
}

// _idle_semaphore.acquire(timeout=0): `with self._cond:`, take a count or give up at once.
bool ThreadPoolExecutor::try_acquire_idle(Tid caller) {
  Interpreter& interp = process_.interp();
  interp.acquire(caller, idle_semaphore_.lock);
  const bool took = idle_semaphore_.value > 0;
  interp.run_python(caller,
                    took ? world_.profile.semaphore_acquire : world_.profile.semaphore_acquire_empty,
                    ThreadState::overhead);
  if (took) --idle_semaphore_.value;
  interp.release(idle_semaphore_.lock);
  return took;
}

// _idle_semaphore.release() after each task: `with self._cond:`, add a count, notify nobody.
void ThreadPoolExecutor::release_idle(Tid worker) {
  Interpreter& interp = process_.interp();
  interp.acquire(worker, idle_semaphore_.lock);
  interp.run_python(worker, world_.profile.semaphore_release, ThreadState::overhead);
  ++idle_semaphore_.value;
  interp.release(idle_semaphore_.lock);
}

// _worker: 3.11 and before release the idle semaphore after every task; 3.12 on only when
// get_nowait() finds the queue empty, before blocking in get(), so a busy pool takes the
// semaphore's lock once per submit instead of twice per task.
void ThreadPoolExecutor::worker(Tid self, int index) {
  Interpreter& interp = process_.interp();
  const bool release_per_task = world_.program.python < PythonVersion::v3_12;
  if (on_start_) on_start_(self, index);
  for (;;) {
    if (work_queue_.empty() && !release_per_task) release_idle(self);
    while (work_queue_.empty()) interp.wait_released(self, work_waiters_, ThreadState::idle);
    const std::int64_t future = work_queue_.front();
    work_queue_.pop_front();
    if (future == kShutdown) {  // pass the sentinel on to the next worker, then exit
      work_queue_.push_back(kShutdown);
      world_.os.notify_one(work_waiters_);
      return;
    }
    job_(self, index, futures_[static_cast<std::size_t>(future)].payload);
    // _WorkItem.run's set_result (notifies the waiter); 3.11 then releases the idle semaphore.
    interp.run_python(self, world_.profile.pool_task, ThreadState::overhead);
    Future& f = futures_[static_cast<std::size_t>(future)];
    f.done = true;
    if (on_done_) on_done_(f.payload, f.submitted);
    if (waiting_for_ == future) world_.os.notify_all(result_waiter_);
    if (release_per_task) release_idle(self);
  }
}

void ThreadPoolExecutor::wait_for(Tid caller, std::int64_t future) {
  while (!done(future)) {
    waiting_for_ = future;
    process_.interp().wait_released(caller, result_waiter_, ThreadState::idle);
  }
  waiting_for_ = -1;
}

void ThreadPoolExecutor::map(Tid caller, std::int64_t items) {
  const auto first = static_cast<std::int64_t>(futures_.size());
  for (std::int64_t i = 0; i < items; ++i) submit(caller, i);
  for (std::int64_t i = 0; i < items; ++i) wait_for(caller, first + i);
}

void ThreadPoolExecutor::shutdown(Tid caller) {
  work_queue_.push_back(kShutdown);
  world_.os.notify_one(work_waiters_);
  for (Tid t : threads_) process_.threading().join(caller, t);
}

}  // namespace gilsim
