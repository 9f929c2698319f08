// asyncio: awaits overlap, anything else blocks the loop, the semaphore, to_thread and
// subprocesses. Costs from rig.hpp's round profile: every loop cost 0, wake-up 10 us, timer
// slack 50 us: a select with a timeout returns 60 us after it.
#include "event_loop.hpp"

#include <doctest/doctest.h>

#include "rig.hpp"
#include "scenario.hpp"

using namespace gilsim;
using gilsim::test::round_profile;
using gilsim::test::WorldRig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;

Scenario scenario(const std::string& text) { return parse_scenario(text, "test.json"); }

test::Recorder run_loop(const std::string& text, StrategySpec strategy = StrategyKind::asyncio,
                        int cores = 1) {
  WorldRig rig(scenario(text), strategy, cores);
  rig.run([](World& world, PyProcess& process, Tid main) {
    EventLoop loop(world, process);
    loop.run(main);
  });
  return rig.recorder;
}

Nanos finish_of(const test::Recorder& r, std::int64_t task) {
  for (const auto& t : r.tasks)
    if (t.task == task) return t.finished;
  FAIL("task " << task << " never finished");
  return -1;
}
}  // namespace

TEST_CASE("a cpu op blocks the loop: a sleep that should end at 1 ms ends after it") {
  const auto r = run_loop(R"({"workload": {"tasks": [
      {"name": "crunch", "ops": [{"cpu": "10ms"}]},
      {"name": "nap", "ops": [{"io": "1ms"}]}]}})");
  // The first iteration runs crunch's step (10 ms), then nap's, which starts its 1 ms sleep at
  // 10 ms; the select that waits for it returns 60 us late.
  CHECK(finish_of(r, 0) == 10 * ms);
  CHECK(finish_of(r, 1) == 11 * ms + 60 * us);
}

TEST_CASE("alone, the same sleep ends at 1 ms and the timer slack") {
  const auto r = run_loop(R"({"workload": {"tasks": [{"ops": [{"io": "1ms"}]}]}})");
  CHECK(finish_of(r, 0) == 1 * ms + 60 * us);
}

TEST_CASE("a thousand awaits overlap; their Python runs one step at a time") {
  const auto r = run_loop(R"({"workload": {"tasks": [
      {"count": 1000, "ops": [{"io": "50ms"}, {"cpu": "100us"}]}]}})");
  REQUIRE(r.tasks.size() == 1000);
  // All sleeps start at 0 and end together at 50.06 ms; then 1000 steps of 0.1 ms each.
  CHECK(finish_of(r, 0) == 50 * ms + 60 * us + 100 * us);
  CHECK(finish_of(r, 999) == 50 * ms + 60 * us + 100 * ms);
}

TEST_CASE("a semaphore lets `concurrency` tasks run at once") {
  StrategySpec strategy(StrategyKind::asyncio);
  strategy.concurrency = 2;
  const auto r = run_loop(R"({"workload": {"tasks": [{"count": 4, "ops": [{"io": "10ms"}]}]}})",
                          strategy);
  CHECK(finish_of(r, 1) == 10 * ms + 60 * us);
  // Tasks 2 and 3 get the slots tasks 0 and 1 release, and start their sleeps one iteration on.
  CHECK(finish_of(r, 2) == 20 * ms + 120 * us);
  CHECK(finish_of(r, 3) == 20 * ms + 120 * us);
}

TEST_CASE("to_thread moves GIL-releasing work off the loop, onto cores in parallel") {
  const std::string text =
      R"({"workload": {"tasks": [{"count": 4, "ops": [{"native": "50ms"}]}]}})";
  StrategySpec offload(StrategyKind::asyncio);
  offload.to_thread = {OpKind::native};
  const auto blocked = run_loop(text, StrategyKind::asyncio, 4);
  const auto parallel = run_loop(text, offload, 4);
  CHECK(finish_of(blocked, 3) == 200 * ms);
  const Nanos last = finish_of(parallel, 3);
  CHECK(last >= 50 * ms);
  CHECK(last < 51 * ms);  // plus thread starts and wake-ups, tens of microseconds
}

TEST_CASE("a subprocess is awaited: commands run in parallel while the loop waits") {
  const auto r = run_loop(
      R"({"workload": {"tasks": [{"count": 4, "ops": [{"subprocess": "30ms"}]}]}})",
      StrategyKind::asyncio, 4);
  for (std::int64_t task = 0; task < 4; ++task) {
    CAPTURE(task);
    CHECK(finish_of(r, task) >= 30 * ms);
    CHECK(finish_of(r, task) < 31 * ms);
  }
  CHECK(r.processes.size() == 5);  // MainProcess and four commands
}
