#include "work.hpp"

namespace gilsim {

namespace {
// Explicit threads draw from streams after every task's, so adding a task changes no thread.
constexpr std::uint64_t kThreadStreams = 1ULL << 40;
}  // namespace

Rng task_stream(const Scenario& scenario, std::int64_t task) {
  return Rng(scenario.seed, static_cast<std::uint64_t>(task));
}

Rng thread_stream(const Scenario& scenario, std::size_t index) {
  return Rng(scenario.seed, kThreadStreams + index);
}

Rng kernel_stream(const Scenario& scenario) { return Rng(scenario.seed, kThreadStreams - 1); }

const TaskKind& task_kind(const World& world, std::int64_t task) {
  const auto kind = world.program.task_kinds[static_cast<std::size_t>(task)];
  return world.scenario.tasks[static_cast<std::size_t>(kind)];
}

void run_op(World& world, Interpreter& interp, Tid t, OpKind kind, Nanos duration) {
  if (kind == OpKind::subprocess) return run_subprocess(world, interp, t, duration);
  interp.run_op(t, kind, duration);
}

void run_subprocess(World& world, Interpreter& interp, Tid t, Nanos duration) {
  struct Child {
    bool exited = false;
    WaitQueue waiter;  // the parent in waitpid()
  } child;
  interp.run_c(t, world.profile.subprocess_spawn, ThreadState::startup);
  const Pid pid = world.add_os_process("subprocess");
  world.os.clone_thread(pid, "command", [&world, &child, duration] {
    const Tid self = world.engine.current();
    world.os.set_activity(self, ThreadState::native);
    world.os.compute(self, world.profile.subprocess_exec + duration, false);
    child.exited = true;
    world.os.notify_all(child.waiter);
  });
  while (!child.exited) interp.wait_released(t, child.waiter, ThreadState::io);
}

void run_ops(World& world, Interpreter& interp, Tid t, const OpBlock& body, Rng& rng) {
  for (const Op& op : body.ops) {
    const Nanos started = world.now();
    run_op(world, interp, t, op.kind, draw(op.duration, rng));
    world.observer.op_finished(t, op.kind, started, world.now());
  }
}

void run_task(World& world, Interpreter& interp, Tid t, std::int64_t task) {
  const TaskKind& kind = task_kind(world, task);
  Rng rng = task_stream(world.scenario, task);
  for (std::int64_t i = 0; i < kind.body.repeat; ++i) run_ops(world, interp, t, kind.body, rng);
}

}  // namespace gilsim
