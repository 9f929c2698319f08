// The work itself: a task's or an explicit thread's ops, with durations drawn from its own
// seeded stream (sim/draw.hpp), so every strategy runs the same durations in any order.
#pragma once

#include <cstdint>

#include "draw.hpp"
#include "world.hpp"

namespace gilsim {

// The random stream of task `task` (workload form) or of explicit thread `index`.
Rng task_stream(const Scenario& scenario, std::int64_t task);
Rng thread_stream(const Scenario& scenario, std::size_t index);
// The kernel's own draws (wake-up jitter): a stream no task or thread uses.
Rng kernel_stream(const Scenario& scenario);

const TaskKind& task_kind(const World& world, std::int64_t task);

// One op on thread t of `interp` (which holds its GIL before and after), including subprocess.
void run_op(World& world, Interpreter& interp, Tid t, OpKind kind, Nanos duration);

// subprocess.run(cmd): Popen's fork_exec with the GIL held, then wait() with it released while
// the command, a process of its own with no GIL, uses a core for `duration`.
void run_subprocess(World& world, Interpreter& interp, Tid t, Nanos duration);

// Runs every op of `body` once on thread t of `interp`, drawing durations from `rng`.
void run_ops(World& world, Interpreter& interp, Tid t, const OpBlock& body, Rng& rng);

// Runs task `task` (all its repeats) on thread t of `interp`, which holds its GIL.
void run_task(World& world, Interpreter& interp, Tid t, std::int64_t task);

}  // namespace gilsim
