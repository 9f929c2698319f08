// (Scenario, strategy, cores) -> Program: the strategy with every default filled in for the
// Python version and the machine, and the tasks in submission order. The program is plain
// data; sim/strategy.cpp runs it.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "gilsim/scenario.hpp"

namespace gilsim {

inline constexpr int kOpKinds = 5;

struct Program {
  StrategyKind kind = StrategyKind::serial;
  std::string label;  // "threads", "processes (spawn)", "free-threaded (3.14t)", ...
  PythonVersion python = PythonVersion::v3_11;  // the build the strategy runs on
  int cores = 1;
  int workers = 1;  // pool size (1 for serial and asyncio, the thread count for a program)
  StartMethod start_method = StartMethod::fork;
  std::int64_t chunksize = 1;
  int threads_per_worker = 1;
  std::int64_t concurrency = 0;             // asyncio: tasks running at once
  std::array<bool, kOpKinds> to_thread{};  // asyncio: by OpKind
  double shared_fraction = 0;
  std::vector<int> task_kinds;  // the tasks in submission order, by index into Scenario::tasks
};

// ThreadPoolExecutor's default max_workers: min(32, os.cpu_count() + 4)
// (Lib/concurrent/futures/thread.py, 3.8+; process_cpu_count() from 3.13, the same here).
int default_thread_workers(int cores);

// multiprocessing's default start method on Linux: fork up to 3.13, forkserver from 3.14
// (Lib/multiprocessing/context.py, gh-84559).
StartMethod default_start_method(PythonVersion python);

Program plan(const Scenario& scenario, const StrategySpec& strategy, int cores);

}  // namespace gilsim
