#include "plan.hpp"

#include <algorithm>

namespace gilsim {

int default_thread_workers(int cores) { return std::min(32, cores + 4); }

Program plan(const Scenario& scenario, const StrategySpec& strategy, int cores) {
  Program program;
  program.kind = strategy.kind;
  program.cores = cores;
  switch (strategy.kind) {
    case StrategyKind::serial:
      program.label = "serial";
      program.workers = 1;
      break;
    case StrategyKind::threads:
      program.label = "threads";
      program.workers = strategy.workers.value_or(default_thread_workers(cores));
      break;
    case StrategyKind::program:
      program.label = "program";
      program.workers = static_cast<int>(scenario.program.size());
      break;
  }
  for (int k = 0; k < static_cast<int>(scenario.tasks.size()); ++k)
    program.task_kinds.insert(program.task_kinds.end(),
                              static_cast<std::size_t>(scenario.tasks[k].count), k);
  return program;
}

}  // namespace gilsim
