// What the main thread runs under each strategy, as the Python a user would write:
//   serial           for task in tasks: run(task)
//   threads          with ThreadPoolExecutor(workers) as ex: list(ex.map(run, tasks))
//   free-threaded    the same on a free-threaded build (no GIL, slower bytecode)
//   subinterpreters  the same with InterpreterPoolExecutor (3.14): a GIL per worker
//   processes        with ProcessPoolExecutor(workers) as ex: list(ex.map(run, tasks, chunksize=k))
//   asyncio          asyncio.run(main()), main gathering a task per unit of work
//   program          a threading.Thread per listed thread, then join
#include "strategy.hpp"

#include "event_loop.hpp"
#include "process_pool.hpp"
#include "thread_pool.hpp"
#include "work.hpp"

namespace gilsim {

namespace {

std::int64_t task_count(const World& world) {
  return static_cast<std::int64_t>(world.program.task_kinds.size());
}

// The interpreter every process of this strategy runs: the build's GIL (or none) and speed.
InterpreterConfig interpreter_config(const World& world) {
  InterpreterConfig config;
  config.switch_interval = world.scenario.switch_interval;
  config.free_threaded = is_free_threaded(world.program.python);
  if (world.program.python == PythonVersion::v3_13t)
    config.bytecode_overhead = world.profile.free_threaded_overhead_3_13;
  if (world.program.python == PythonVersion::v3_14t)
    config.bytecode_overhead = world.profile.free_threaded_overhead_3_14;
  config.shared_fraction = world.program.shared_fraction;
  return config;
}

void run_serial(World& world, PyProcess& main_process, Tid main) {
  // All tasks are there at the start, as for Executor.map: latency is time to the result.
  const Nanos submitted = world.now();
  for (std::int64_t task = 0; task < task_count(world); ++task) {
    run_task(world, main_process.interp(), main, task);
    world.observer.task_finished(task, submitted, world.now());
  }
}

void task_done(World& world, std::int64_t task, Nanos submitted) {
  world.observer.task_finished(task, submitted, world.now());
}

void run_thread_pool(World& world, PyProcess& main_process, Tid main) {
  Interpreter& interp = main_process.interp();
  ThreadPoolExecutor pool(
      world, main_process, world.program.workers, "ThreadPoolExecutor-0",
      [&](Tid worker, int, std::int64_t task) { run_task(world, interp, worker, task); },
      [&](std::int64_t task, Nanos submitted) { task_done(world, task, submitted); });
  pool.map(main, task_count(world));
  pool.shutdown(main);
}

// A thread leaves one interpreter and enters another (_interpreters.exec switching tstates):
// it drops the first GIL and takes the second.
void switch_interpreter(Tid t, Interpreter& from, Interpreter& to) {
  from.gil().drop(t);
  to.gil().take(t);
}

// InterpreterPoolExecutor (Lib/concurrent/futures/interpreter.py, 3.14): a ThreadPoolExecutor
// whose workers each create an interpreter with its own GIL and run every task in it, the
// function and its arguments pickled by submit() and the result pickled back.
void run_interpreter_pool(World& world, PyProcess& main_process, Tid main) {
  const MachineProfile& cost = world.profile;
  Interpreter& home = main_process.interp();
  std::vector<Interpreter*> own(static_cast<std::size_t>(world.program.workers), nullptr);
  auto pickling = [&](Bytes bytes) { return cost.pickle_message + per_bytes(cost.pickle_per_mib, bytes); };
  ThreadPoolExecutor pool(
      world, main_process, world.program.workers, "ThreadPoolExecutor-0",
      [&](Tid worker, int index, std::int64_t task) {
        Interpreter& sub = *own[static_cast<std::size_t>(index)];
        home.run_python(worker, cost.interpreter_call, ThreadState::overhead);
        switch_interpreter(worker, home, sub);
        sub.run_c(worker, pickling(task_kind(world, task).arg_bytes), ThreadState::ipc);
        run_task(world, sub, worker, task);
        sub.run_c(worker, pickling(task_kind(world, task).result_bytes), ThreadState::ipc);
        switch_interpreter(worker, sub, home);
        home.run_c(worker, pickling(task_kind(world, task).result_bytes), ThreadState::ipc);
      },
      [&](std::int64_t task, Nanos submitted) { task_done(world, task, submitted); },
      [&](Tid worker, int index) {  // WorkerContext.initialize: create the interpreter
        Interpreter& sub = main_process.add_interpreter(interpreter_config(world));
        own[static_cast<std::size_t>(index)] = &sub;
        switch_interpreter(worker, home, sub);
        sub.run_c(worker, cost.interpreter_create, ThreadState::startup);
        sub.run_python(worker, world.scenario.import_time, ThreadState::startup);
        switch_interpreter(worker, sub, home);
      });
  std::vector<std::int64_t> futures;
  futures.reserve(static_cast<std::size_t>(task_count(world)));
  for (std::int64_t task = 0; task < task_count(world); ++task) {
    home.run_c(main, pickling(task_kind(world, task).arg_bytes), ThreadState::ipc);
    futures.push_back(pool.submit(main, task));
  }
  for (std::int64_t future : futures) pool.wait_for(main, future);
  pool.shutdown(main);
}

void run_process_pool(World& world, PyProcess& main_process, Tid main) {
  ProcessPoolExecutor pool(world, main_process, interpreter_config(world));
  pool.map(main);
  pool.shutdown(main);
}

void run_event_loop(World& world, PyProcess& main_process, Tid main) {
  EventLoop loop(world, main_process);
  loop.run(main);
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

void run_main(World& world, PyProcess& main_process, Tid main) {
  switch (world.program.kind) {
    case StrategyKind::serial:
      return run_serial(world, main_process, main);
    case StrategyKind::threads:
    case StrategyKind::free_threaded:
      return run_thread_pool(world, main_process, main);
    case StrategyKind::subinterpreters:
      return run_interpreter_pool(world, main_process, main);
    case StrategyKind::processes:
      return run_process_pool(world, main_process, main);
    case StrategyKind::asyncio:
      return run_event_loop(world, main_process, main);
    case StrategyKind::program:
      return run_threads_program(world, main_process, main);
  }
}

}  // namespace

void start_program(World& world) {
  PyProcess& main_process = world.add_process("MainProcess", interpreter_config(world));
  main_process.threading().boot_main(
      [&world, &main_process](Tid main) { run_main(world, main_process, main); });
}

}  // namespace gilsim
