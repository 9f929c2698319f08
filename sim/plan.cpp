#include "plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenario.hpp"

namespace gilsim {

int default_thread_workers(int cores) { return std::min(32, cores + 4); }

StartMethod default_start_method(PythonVersion python) {
  return python >= PythonVersion::v3_14 ? StartMethod::forkserver : StartMethod::fork;
}

namespace {

// The free-threaded build a free-threaded strategy runs: the one asked for, the scenario's own
// if it is one, its version's "t" build, or 3.14t for versions that have none.
PythonVersion free_threaded_build(const Scenario& s, const StrategySpec& strategy) {
  if (strategy.python) return *strategy.python;
  if (is_free_threaded(s.python)) return s.python;
  return s.python == PythonVersion::v3_13 ? PythonVersion::v3_13t : PythonVersion::v3_14t;
}

std::string label(const Program& p, const StrategySpec& strategy) {
  switch (p.kind) {
    case StrategyKind::processes: {
      std::string text = fmt::format("processes ({}", to_string(p.start_method));
      if (p.chunksize > 1) text += fmt::format(", chunks of {}", p.chunksize);
      if (p.threads_per_worker > 1) text += fmt::format(", {} threads each", p.threads_per_worker);
      return text + ")";
    }
    case StrategyKind::asyncio: {
      std::string text = strategy.to_thread.empty() ? "asyncio" : "asyncio + to_thread";
      if (strategy.concurrency) text += fmt::format(" ({} at once)", *strategy.concurrency);
      return text;
    }
    case StrategyKind::free_threaded:
      return fmt::format("free-threaded ({})", to_string(p.python));
    default:
      return std::string(to_string(p.kind));
  }
}

}  // namespace

Program plan(const Scenario& scenario, const StrategySpec& strategy, int cores) {
  Program p;
  p.kind = strategy.kind;
  p.python = scenario.python;
  p.cores = cores;
  switch (strategy.kind) {
    case StrategyKind::serial:
      p.workers = 1;
      break;
    case StrategyKind::asyncio:  // the loop, and the default executor's threads for to_thread
      p.workers = strategy.to_thread.empty() ? 1 : default_thread_workers(cores);
      break;
    case StrategyKind::threads:
    case StrategyKind::subinterpreters:
      p.workers = strategy.workers.value_or(default_thread_workers(cores));
      break;
    case StrategyKind::free_threaded:
      p.python = free_threaded_build(scenario, strategy);
      p.workers = strategy.workers.value_or(default_thread_workers(cores));
      break;
    case StrategyKind::processes:
      p.workers = strategy.workers.value_or(cores);  // os.cpu_count()
      break;
    case StrategyKind::program:
      p.workers = static_cast<int>(scenario.program.size());
      break;
  }
  p.start_method = strategy.start_method.value_or(default_start_method(scenario.python));
  p.chunksize = strategy.chunksize;
  p.threads_per_worker = strategy.threads_per_worker;
  for (OpKind kind : strategy.to_thread) p.to_thread[static_cast<std::size_t>(kind)] = true;
  p.shared_fraction = strategy.shared_fraction;
  for (int k = 0; k < static_cast<int>(scenario.tasks.size()); ++k)
    p.task_kinds.insert(p.task_kinds.end(), static_cast<std::size_t>(scenario.tasks[k].count), k);
  p.concurrency = strategy.concurrency.value_or(static_cast<std::int64_t>(p.task_kinds.size()));
  p.label = label(p, strategy);
  return p;
}

}  // namespace gilsim
