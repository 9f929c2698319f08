// What the main thread runs under each strategy, modelled on the standard library:
// serial (a for loop), ThreadPoolExecutor (Lib/concurrent/futures/thread.py) and the explicit
// program form (threading.Thread per listed thread, then join).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "plan.hpp"
#include "threading.hpp"

namespace gilsim {

// Everything a strategy's Python code runs with: one process's interpreter and threads.
struct Process {
  Interpreter& interp;
  Threading& threading;
  Observer& observer;
  const Scenario& scenario;
  const MachineProfile& profile;
  const Program& program;
};

// Runs task `task` (its ops, drawn from the task's own stream) on thread t.
void run_task(Process& p, Tid t, std::int64_t task);

// `for task in tasks: run(task)` on the main thread.
void run_serial(Process& p, Tid main);

// The explicit form: start every listed thread, join the finite ones, then stop and join the
// ones that loop until the others finish.
void run_threads_program(Process& p, Tid main);

// `with ThreadPoolExecutor(workers) as ex: list(ex.map(run, tasks))`.
class ThreadPoolExecutor {
 public:
  explicit ThreadPoolExecutor(Process& p);
  void map_all(Tid main);

 private:
  void submit(Tid caller, std::int64_t task);
  void adjust_thread_count(Tid caller);
  void wait_for(Tid caller, std::int64_t task);
  void shutdown(Tid caller);
  void worker(Tid self);

  static constexpr std::int64_t kShutdown = -1;  // the None sentinel in the work queue
  Process& p_;
  std::deque<std::int64_t> work_queue_;  // SimpleQueue of work items
  WaitQueue work_waiters_;                // workers blocked in work_queue.get()
  int idle_semaphore_ = 0;
  std::vector<Tid> threads_;
  std::vector<Nanos> submitted_;
  std::vector<char> done_;
  std::int64_t waiting_for_ = -1;  // the future whose result() the main thread waits on
  WaitQueue result_waiter_;
};

}  // namespace gilsim
