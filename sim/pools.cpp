#include "pools.hpp"

#include <fmt/format.h>

#include "draw.hpp"

namespace gilsim {

namespace {

// Explicit threads draw from streams after every task's, so adding a task changes no thread.
constexpr std::uint64_t kThreadStreams = 1ULL << 40;

void run_ops(Process& p, Tid t, const OpBlock& body, Rng& rng) {
  for (const Op& op : body.ops) {
    const Nanos started = p.interp.os().now();
    p.interp.run_op(t, op.kind, draw(op.duration, rng));
    p.observer.op_finished(t, op.kind, started, p.interp.os().now());
  }
}

}  // namespace

void run_task(Process& p, Tid t, std::int64_t task) {
  const TaskKind& kind = p.scenario.tasks[static_cast<std::size_t>(
      p.program.task_kinds[static_cast<std::size_t>(task)])];
  Rng rng(p.scenario.seed, static_cast<std::uint64_t>(task));
  for (std::int64_t i = 0; i < kind.body.repeat; ++i) run_ops(p, t, kind.body, rng);
}

void run_serial(Process& p, Tid main) {
  // All tasks are there at the start, as for Executor.map: latency is time to the result.
  const Nanos submitted = p.interp.os().now();
  const auto tasks = static_cast<std::int64_t>(p.program.task_kinds.size());
  for (std::int64_t task = 0; task < tasks; ++task) {
    run_task(p, main, task);
    p.observer.task_finished(task, submitted, p.interp.os().now());
  }
}

void run_threads_program(Process& p, Tid main) {
  bool stop = false;
  std::vector<Tid> finite, looping;
  for (std::size_t i = 0; i < p.scenario.program.size(); ++i) {
    const ThreadSpec& spec = p.scenario.program[i];
    const Tid t = p.threading.start(main, spec.name, [&p, &spec, &stop, i](Tid self) {
      Rng rng(p.scenario.seed, kThreadStreams + i);
      if (spec.until_others_finish) {
        while (!stop) run_ops(p, self, spec.body, rng);
      } else {
        for (std::int64_t k = 0; k < spec.body.repeat; ++k) run_ops(p, self, spec.body, rng);
      }
    });
    (spec.until_others_finish ? looping : finite).push_back(t);
  }
  for (Tid t : finite) p.threading.join(main, t);
  stop = true;
  for (Tid t : looping) p.threading.join(main, t);
}

ThreadPoolExecutor::ThreadPoolExecutor(Process& p) : p_(p) {
  const std::size_t tasks = p.program.task_kinds.size();
  submitted_.assign(tasks, 0);
  done_.assign(tasks, 0);
  threads_.reserve(static_cast<std::size_t>(p.program.workers));
}

void ThreadPoolExecutor::map_all(Tid main) {
  // Executor.map submits every item first, then yields the results in order.
  const auto tasks = static_cast<std::int64_t>(done_.size());
  for (std::int64_t task = 0; task < tasks; ++task) submit(main, task);
  for (std::int64_t task = 0; task < tasks; ++task) wait_for(main, task);
  shutdown(main);
}

// submit(): Future and _WorkItem, work_queue.put(), _adjust_thread_count().
void ThreadPoolExecutor::submit(Tid caller, std::int64_t task) {
  p_.interp.run_python(caller, p_.profile.pool_submit, ThreadState::overhead);
  submitted_[static_cast<std::size_t>(task)] = p_.interp.os().now();
  work_queue_.push_back(task);
  p_.interp.os().notify_one(work_waiters_);
  adjust_thread_count(caller);
}

// A new worker only when no idle one could be claimed (bpo-24882), up to max_workers.
void ThreadPoolExecutor::adjust_thread_count(Tid caller) {
  if (idle_semaphore_ > 0) {
    --idle_semaphore_;
    return;
  }
  if (static_cast<int>(threads_.size()) >= p_.program.workers) return;
  const auto name = fmt::format("ThreadPoolExecutor-0_{}", threads_.size());
  threads_.push_back(p_.threading.start(caller, name, [this](Tid self) { worker(self); }));
}

void ThreadPoolExecutor::worker(Tid self) {
  for (;;) {
    while (work_queue_.empty())
      p_.interp.wait_released(self, work_waiters_, ThreadState::idle);
    const std::int64_t task = work_queue_.front();
    work_queue_.pop_front();
    if (task == kShutdown) {  // pass the sentinel on to the next worker, then exit
      work_queue_.push_back(kShutdown);
      p_.interp.os().notify_one(work_waiters_);
      return;
    }
    run_task(p_, self, task);
    // _WorkItem.run's set_result (notifies the waiter), then _idle_semaphore.release().
    p_.interp.run_python(self, p_.profile.pool_task, ThreadState::overhead);
    done_[static_cast<std::size_t>(task)] = 1;
    p_.observer.task_finished(task, submitted_[static_cast<std::size_t>(task)],
                              p_.interp.os().now());
    if (waiting_for_ == task) p_.interp.os().notify_all(result_waiter_);
    ++idle_semaphore_;
  }
}

void ThreadPoolExecutor::wait_for(Tid caller, std::int64_t task) {
  while (!done_[static_cast<std::size_t>(task)]) {
    waiting_for_ = task;
    p_.interp.wait_released(caller, result_waiter_, ThreadState::idle);
  }
  waiting_for_ = -1;
}

// shutdown(wait=True): put None, join every worker.
void ThreadPoolExecutor::shutdown(Tid caller) {
  work_queue_.push_back(kShutdown);
  p_.interp.os().notify_one(work_waiters_);
  for (Tid t : threads_) p_.threading.join(caller, t);
}

}  // namespace gilsim
