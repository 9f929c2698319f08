// scenario -> plan -> simulation -> observations: builds the engine, the kernel, one
// interpreter and the strategy's main thread, and plays them out.
#include "simulate.hpp"

#include <fmt/format.h>

#include <exception>
#include <stdexcept>
#include <thread>

#include "engine.hpp"
#include "gilsim/error.hpp"
#include "observe.hpp"
#include "plan.hpp"
#include "pools.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

void run_main(Process& p, ThreadPoolExecutor& pool, Tid main) {
  switch (p.program.kind) {
    case StrategyKind::serial:
      return run_serial(p, main);
    case StrategyKind::threads:
      return pool.map_all(main);
    case StrategyKind::program:
      return run_threads_program(p, main);
  }
}

RunResult simulate_here(const Scenario& scenario, const StrategySpec& strategy, int cores,
                        const MachineProfile& profile, Observer* extra) {
  const Program program = plan(scenario, strategy, cores);
  Engine engine(scenario.max_virtual_time);
  Breakdown breakdown(program.task_kinds.size());
  FanOut observers;
  observers.add(&breakdown);
  observers.add(extra);
  Os os(engine, observers, profile, cores);
  Interpreter interp(os, observers, profile, scenario.switch_interval);
  Threading threading(interp, profile);
  Process process{interp, threading, observers, scenario, profile, program};
  ThreadPoolExecutor pool(process);
  threading.start_main([&](Tid main) { run_main(process, pool, main); });
  engine.run();

  if (engine.aborted() == Abort::max_virtual_time)
    throw UserError(
        fmt::format("{}: /max_virtual_time", scenario.source_path),
        fmt::format("the {} run did not finish within {} of virtual time", program.label,
                    format_duration(scenario.max_virtual_time)),
        "raise max_virtual_time if the work really takes that long");
  if (engine.aborted() == Abort::deadlock)
    throw std::logic_error(fmt::format("the {} run deadlocked at {}: every thread waits",
                                       program.label, format_duration(engine.now())));
  RunResult result;
  result.strategy = program.label;
  result.workers = program.workers;
  result.cores = cores;
  breakdown.summarise(result);
  result.core_time = os.core_time();
  result.events = engine.events();
  return result;
}

}  // namespace

RunResult simulate(const Scenario& scenario, const StrategySpec& strategy, int cores,
                   const MachineProfile& profile, Observer* extra) {
  RunResult result;
  std::exception_ptr error;
  std::thread host([&] {
    try {
      result = simulate_here(scenario, strategy, cores, profile, extra);
    } catch (...) {
      error = std::current_exception();
    }
  });
  host.join();
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace gilsim
