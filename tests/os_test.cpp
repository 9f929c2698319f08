// Kernel rules: threads beyond the cores queue and share them in base slices; a woken sleeper
// preempts a CPU hog; core time is accounted exactly. Costs from rig.hpp (context switch 2 us,
// base slice 0.75 ms: one core means an ncpu factor of 1, two cores a factor of 2).
#include <doctest/doctest.h>

#include "rig.hpp"

using namespace gilsim;
using gilsim::test::Rig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;
}  // namespace

TEST_CASE("threads beyond the cores wait in the run queue and share the cores in slices") {
  Rig rig(1);
  const Tid a = rig.ops(0, {{OpKind::native, 3 * ms}});
  const Tid b = rig.ops(0, {{OpKind::native, 3 * ms}});
  rig.run();
  const auto& r = rig.recorder;
  // 6 ms of work on one core, plus a 2 us context switch per slice boundary.
  const Nanos end = std::max(r.exit_time(a), r.exit_time(b));
  CHECK(end >= 6 * ms);
  CHECK(end <= 6 * ms + 8 * 2 * us);
  CHECK((end - 6 * ms) % (2 * us) == 0);
  // b could not start until a's first slice ended; both spent time runnable, without a core.
  CHECK(r.time_in(b, ThreadState::runnable) >= 750 * us);
  CHECK(r.time_in(a, ThreadState::runnable) >= 750 * us);
}

TEST_CASE("a running thread keeps its core while nobody waits for one") {
  Rig rig(2);
  const Tid a = rig.ops(0, {{OpKind::native, 5 * ms}});
  const Tid b = rig.ops(0, {{OpKind::native, 5 * ms}});
  rig.run();
  CHECK(rig.recorder.exit_time(a) == 5 * ms);
  CHECK(rig.recorder.exit_time(b) == 5 * ms);
  CHECK(rig.recorder.time_in(a, ThreadState::runnable) == 0);
}

TEST_CASE("a thread woken from sleep preempts a thread that has run for longer") {
  Rig rig(1);
  rig.ops(0, {{OpKind::native, 20 * ms}});                         // the CPU hog
  const Tid sleeper = rig.ops(0, {{OpKind::io, 5 * ms}, {OpKind::native, 1 * ms}});
  rig.run();
  // Back from its 5 ms sleep the sleeper is far behind the hog in vruntime: it takes the core
  // at once (one context switch), instead of waiting for the hog's slice to end.
  const auto io = rig.recorder.latencies(sleeper, OpKind::io);
  REQUIRE(io.size() == 1);
  CHECK(io[0] <= 5 * ms + 2 * us);
}

TEST_CASE("more CPU-bound threads than cores still use every core fully") {
  Rig rig(2);
  for (int i = 0; i < 5; ++i) rig.ops(0, {{OpKind::native, 4 * ms}});
  rig.run();
  Nanos end = 0;
  for (Tid t = 0; t < 5; ++t) end = std::max(end, rig.recorder.exit_time(t));
  // 20 ms of work on 2 cores: 10 ms, plus context switches, plus at most one slice (1.5 ms
  // on two cores) in which only one thread is left with work.
  CHECK(end >= 10 * ms);
  CHECK(end <= 10 * ms + 1500 * us + 100 * us);
}
