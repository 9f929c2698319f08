// serial: `for task in tasks: run(task)`. threads: `with ThreadPoolExecutor(workers) as ex:
// list(ex.map(run, tasks))`. program: a threading.Thread per listed thread, then join.
#include "strategy.hpp"

#include "thread_pool.hpp"
#include "work.hpp"

namespace gilsim {

namespace {

std::int64_t task_count(const World& world) {
  return static_cast<std::int64_t>(world.program.task_kinds.size());
}

void run_serial(World& world, PyProcess& main_process, Tid main) {
  // All tasks are there at the start, as for Executor.map: latency is time to the result.
  const Nanos submitted = world.now();
  for (std::int64_t task = 0; task < task_count(world); ++task) {
    run_task(world, main_process.interp(), main, task);
    world.observer.task_finished(task, submitted, world.now());
  }
}

void run_thread_pool(World& world, PyProcess& main_process, Tid main) {
  Interpreter& interp = main_process.interp();
  ThreadPoolExecutor pool(
      world, main_process, world.program.workers, "ThreadPoolExecutor-0",
      [&](Tid worker, std::int64_t task) { run_task(world, interp, worker, task); },
      [&](std::int64_t task, Nanos submitted) {
        world.observer.task_finished(task, submitted, world.now());
      });
  pool.map(main, task_count(world));
  pool.shutdown(main);
}

// Start every listed thread, join the finite ones, then stop and join the ones that loop until
// the others finish.
void run_threads_program(World& world, PyProcess& main_process, Tid main) {
  const auto& specs = world.scenario.program;
  bool stop = false;
  std::vector<Tid> finite, looping;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const ThreadSpec& spec = specs[i];
    const Tid t = main_process.threading().start(main, spec.name, [&, i](Tid self) {
      Rng rng = thread_stream(world.scenario, i);
      Interpreter& interp = main_process.interp();
      if (spec.until_others_finish) {
        while (!stop) run_ops(world, interp, self, spec.body, rng);
      } else {
        for (std::int64_t k = 0; k < spec.body.repeat; ++k)
          run_ops(world, interp, self, spec.body, rng);
      }
    });
    (spec.until_others_finish ? looping : finite).push_back(t);
  }
  for (Tid t : finite) main_process.threading().join(main, t);
  stop = true;
  for (Tid t : looping) main_process.threading().join(main, t);
}

}  // namespace

void start_program(World& world) {
  InterpreterConfig config;
  config.switch_interval = world.scenario.switch_interval;
  PyProcess& main_process = world.add_process("MainProcess", config);
  main_process.threading().start_main(0, [&world, &main_process](Tid main) {
    switch (world.program.kind) {
      case StrategyKind::serial:
        return run_serial(world, main_process, main);
      case StrategyKind::threads:
        return run_thread_pool(world, main_process, main);
      case StrategyKind::program:
        return run_threads_program(world, main_process, main);
    }
  });
}

}  // namespace gilsim
