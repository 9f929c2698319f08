// (Scenario, strategy, cores) -> Program: which threads exist and what each runs. The program
// is plain data; sim/pools.cpp runs it.
#pragma once

#include <string>
#include <vector>

#include "gilsim/scenario.hpp"

namespace gilsim {

struct Program {
  StrategyKind kind = StrategyKind::serial;
  int workers = 1;  // threads in the pool (1 for serial, the thread count for a program)
  int cores = 1;
  std::string label;              // "serial", "threads", "program"
  std::vector<int> task_kinds;    // the tasks in submission order, by index into Scenario::tasks
};

// ThreadPoolExecutor's default max_workers: min(32, os.cpu_count() + 4)
// (Lib/concurrent/futures/thread.py, 3.8+).
int default_thread_workers(int cores);

Program plan(const Scenario& scenario, const StrategySpec& strategy, int cores);

}  // namespace gilsim
