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
#include "strategy.hpp"
#include "units.hpp"
#include "work.hpp"
#include "world.hpp"

namespace gilsim {

namespace {

RunResult simulate_here(const Scenario& scenario, const StrategySpec& strategy, int cores,
                        const MachineProfile& profile, Observer* extra) {
  const Program program = plan(scenario, strategy, cores);
  Engine engine(scenario.max_virtual_time);
  Breakdown breakdown(program.task_kinds.size());
  FanOut observers;
  observers.add(&breakdown);
  observers.add(extra);
  Os os(engine, observers, profile, cores, kernel_stream(scenario));
  World world(engine, os, observers, profile, scenario, program);
  start_program(world);
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
  result.kind = program.kind;
  result.python = program.python;
  result.threads_per_worker = program.threads_per_worker;
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
