// Thread.start() and a thread's end: glibc's stack cache decides which starts map a new stack
// and which ends unmap one; the end's own cost runs after join() may return. Costs from
// rig.hpp's round profile unless set here.
#include "threading.hpp"

#include <doctest/doctest.h>

#include "rig.hpp"
#include "scenario.hpp"

using namespace gilsim;
using gilsim::test::round_profile;
using gilsim::test::WorldRig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;

struct Costs {
  Nanos exit = 0, map = 0, unmap = 0;
};

struct Run {
  Nanos end = 0;          // the last thread's end
  Nanos joined = 0;       // when the main thread's last join() returned
  Nanos last_exit = 0;    // when the last thread's target returned
  Nanos in_start = 0;     // the main thread's time inside start(), summed
};

// The main thread starts `batch` threads that each wait 10 ms, joins them all, `batches` times.
Run start_and_join(int cores, Costs c, int batch, int batches = 1) {
  MachineProfile p = round_profile();
  p.thread_exit = c.exit;
  p.stack_map = c.map;
  p.stack_unmap = c.unmap;
  WorldRig rig(parse_scenario(R"({"workload": {"tasks": [{"ops": [{"io": "1ms"}]}]}})", "t.json"),
               StrategyKind::serial, cores, p);
  Run run;
  rig.run([&](World& world, PyProcess& process, Tid main) {
    for (int b = 0; b < batches; ++b) {
      std::vector<Tid> threads;
      for (int i = 0; i < batch; ++i) {
        const Nanos from = world.now();
        threads.push_back(process.threading().start(main, "worker", [&](Tid t) {
          process.interp().block(t, 10 * ms);
          run.last_exit = std::max(run.last_exit, world.now());
        }));
        run.in_start += world.now() - from;
      }
      for (Tid t : threads) process.threading().join(main, t);
    }
    run.joined = world.now();
  });
  run.end = rig.end;
  return run;
}
}  // namespace

TEST_CASE("a thread's end costs thread_exit on its core, after join() may return") {
  // One core: the joiner runs only once the ending thread has left the core.
  const Run none = start_and_join(1, {}, 1);
  const Run one = start_and_join(1, {.exit = 100 * us}, 1);
  CHECK(one.joined - none.joined == 100 * us);
  // Two cores: the joiner is woken on the other core while the end runs.
  const Run two = start_and_join(2, {.exit = 100 * us}, 1);
  CHECK(two.joined < two.last_exit + 100 * us);
  CHECK(two.end >= two.last_exit + 100 * us);
}

TEST_CASE("glibc keeps four stacks: starts beyond them map one, ends beyond them unmap one") {
  // Six threads alive at once, from an empty cache: six new stacks; at the end four go to the
  // cache and two are unmapped. One core, so each cost adds to the wall time once.
  const Run base = start_and_join(1, {}, 6);
  CHECK(start_and_join(1, {.map = 50 * us}, 6).in_start - base.in_start == 6 * 50 * us);
  CHECK(start_and_join(1, {.unmap = 70 * us}, 6).end - base.end == 2 * 70 * us);
  // A second batch of six takes the four cached stacks and maps two; its end unmaps two again.
  const Run base2 = start_and_join(1, {}, 6, 2);
  CHECK(start_and_join(1, {.map = 50 * us}, 6, 2).in_start - base2.in_start == (6 + 2) * 50 * us);
  CHECK(start_and_join(1, {.unmap = 70 * us}, 6, 2).end - base2.end == (2 + 2) * 70 * us);
  // One thread at a time never needs more than the one stack the cache hands back.
  const Run serial = start_and_join(1, {}, 1, 6);
  const Run costly = start_and_join(1, {.map = 50 * us, .unmap = 70 * us}, 1, 6);
  CHECK(costly.in_start - serial.in_start == 50 * us);
  CHECK(costly.end - serial.end == 50 * us);
}
