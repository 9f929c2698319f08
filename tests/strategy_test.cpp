// Whole runs of the strategies without a GIL in the way: free-threaded builds,
// subinterpreters, and subprocesses. Costs from rig.hpp's round profile unless set here.
#include "strategy.hpp"

#include <doctest/doctest.h>

#include "rig.hpp"
#include "scenario.hpp"

using namespace gilsim;
using gilsim::test::round_profile;

namespace {
constexpr Nanos ms = kMilli;

Scenario scenario(const std::string& text) { return parse_scenario(text, "test.json"); }

const char* kFourCrunches =
    R"({"workload": {"tasks": [{"count": 4, "ops": [{"cpu": "100ms"}]}]}})";

StrategySpec free_threaded(PythonVersion build, int workers, double shared = 0) {
  StrategySpec s(StrategyKind::free_threaded);
  s.python = build;
  s.workers = workers;
  s.shared_fraction = shared;
  return s;
}

MachineProfile with_overheads() {
  MachineProfile p = round_profile();
  p.free_threaded_overhead_3_13 = 400'000;  // 40 %
  p.free_threaded_overhead_3_14 = 80'000;   // 8 %
  return p;
}
}  // namespace

TEST_CASE("free-threaded CPU-bound threads scale with the cores, less the build's overhead") {
  const Scenario s = scenario(kFourCrunches);
  const RunResult t314 = simulate(s, free_threaded(PythonVersion::v3_14t, 4), 4, with_overheads());
  const RunResult t313 = simulate(s, free_threaded(PythonVersion::v3_13t, 4), 4, with_overheads());
  const RunResult gil = simulate(s, StrategySpec(StrategyKind::threads), 4, with_overheads());
  // Each thread runs its 100 ms, 8 % (40 %) slower, on a core of its own; the threads start
  // one after another, a wake-up apart.
  CHECK(t314.wall >= 108 * ms);
  CHECK(t314.wall < 109 * ms);
  CHECK(t313.wall >= 140 * ms);
  CHECK(t313.wall < 141 * ms);
  CHECK(t314.gil_handoffs == 0);
  CHECK(gil.wall >= 400 * ms);  // the GIL build runs one thread at a time
}

TEST_CASE("free-threaded threads beyond the cores share them") {
  const RunResult r =
      simulate(scenario(kFourCrunches), free_threaded(PythonVersion::v3_14t, 4), 2, with_overheads());
  CHECK(r.wall >= 216 * ms);  // 432 ms of bytecode on two cores
  CHECK(r.wall < 218 * ms);
}

TEST_CASE("the shared part of free-threaded cpu ops serialises on the object's lock") {
  const RunResult r = simulate(scenario(kFourCrunches),
                               free_threaded(PythonVersion::v3_14t, 4, 0.5), 4, round_profile());
  // 50 ms in parallel, then four 50 ms critical sections one after another.
  CHECK(r.wall >= 250 * ms);
  CHECK(r.wall < 251 * ms);
  // The waits of the 2nd, 3rd and 4th section: 50, 100 and 150 ms, less the threads' staggered
  // starts (a thread start and wake-up, tens of microseconds, each).
  CHECK(r.total(ThreadState::lock_wait) > (50 + 100 + 150 - 1) * ms);
  CHECK(r.total(ThreadState::lock_wait) <= (50 + 100 + 150) * ms);
}

TEST_CASE("subinterpreters run Python in parallel, one GIL each, in one process") {
  const Scenario s = scenario(R"({"python": "3.14", "import_time": "5ms",
      "workload": {"tasks": [{"count": 4, "ops": [{"cpu": "100ms"}]}]}})");
  MachineProfile costs = round_profile();
  costs.interpreter_create = 10 * ms;
  StrategySpec strategy(StrategyKind::subinterpreters);
  strategy.workers = 4;
  const RunResult r = simulate(s, strategy, 4, costs);
  CHECK(r.processes.size() == 1);
  // Each worker creates its interpreter (10 ms) and imports the module (5 ms), then runs.
  CHECK(r.wall >= 115 * ms);
  CHECK(r.wall < 116 * ms);
  // Start-up: each worker's 15 ms, and the first wake-up (10 us) of the three new threads
  // that find an idle core; the fourth queues on the main thread's core (runnable, not
  // starting up) and gets it when the main thread waits.
  CHECK(r.total(ThreadState::startup) == 4 * 15 * ms + 3 * 10 * kMicro);
}

TEST_CASE("subprocess ops run beside each other: the GIL is released while waiting") {
  const Scenario s = scenario(R"({"workload": {"tasks": [{"count": 4, "ops": [{"subprocess": "50ms"}]}]}})");
  MachineProfile costs = round_profile();
  costs.subprocess_spawn = 1 * ms;
  costs.subprocess_exec = 2 * ms;
  const RunResult serial = simulate(s, StrategySpec(StrategyKind::serial), 4, costs);
  StrategySpec threads(StrategyKind::threads);
  threads.workers = 4;
  const RunResult parallel = simulate(s, threads, 4, costs);
  // Serial: spawn (1 ms, GIL held), the command's wake-up on an idle core, the command
  // (2 + 50 ms), the parent's wake-up: per task.
  CHECK(serial.wall == 4 * (53 * ms + 20 * kMicro));
  CHECK(parallel.wall < 60 * ms);
  CHECK(parallel.processes.size() == 5);
  CHECK(parallel.processes[1] == "subprocess");
}

TEST_CASE("a free-threaded build serialises nothing on a GIL, whatever the strategy") {
  const Scenario s = scenario(R"({"python": "3.14t", "workload": {"tasks": [
      {"count": 4, "ops": [{"cpu": "100ms"}]}]}})");
  StrategySpec threads(StrategyKind::threads);
  threads.workers = 4;
  const RunResult r = simulate(s, threads, 4, with_overheads());
  CHECK(r.python == PythonVersion::v3_14t);
  CHECK(r.wall < 109 * ms);
}
