// Kernel rules: threads beyond the cores queue and share them in base slices; a woken sleeper
// preempts a CPU hog; core time is accounted exactly. Costs from rig.hpp (context switch 2 us,
// base slice 0.75 ms: one core means an ncpu factor of 1, two cores a factor of 2).
#include <doctest/doctest.h>

#include <algorithm>

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
  // at once (its wake-up, then one context switch), instead of waiting for the hog's slice.
  const auto io = rig.recorder.latencies(sleeper, OpKind::io);
  REQUIRE(io.size() == 1);
  CHECK(io[0] <= 5 * ms + 10 * us + 2 * us);
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

namespace {
MachineProfile halting_profile() {
  MachineProfile p = gilsim::test::round_profile();
  p.idle_exit_latency = 100 * us;
  p.idle_poll_window = 200 * us;
  return p;
}
}  // namespace

TEST_CASE("a thread woken onto a core that halted starts idle_exit_latency late") {
  // Two threads on two cores: the holder runs 5 ms of Python; the waiter's core idles the
  // whole time. Its timed wait fires at 5 ms + slack + wake, and then the halted core needs
  // 100 us more; the holder's forced drop hands over only then.
  Rig rig(2, 5 * ms, halting_profile());
  rig.ops(0, {{OpKind::cpu, 20 * ms}});
  const Tid waiter = rig.ops(0, {{OpKind::cpu, 1 * us}});
  rig.run();
  const auto& r = rig.recorder;
  REQUIRE(r.requests.size() >= 1);
  CHECK(r.requests[0].at == 5 * ms + 50 * us + 10 * us + 100 * us);
  // Having set the request, the waiter waits again and its core idles; the holder drops 1 us
  // later, and that wake-up finds the core still polling: no idle exit this time.
  const auto to_waiter = std::find_if(r.handoffs.begin(), r.handoffs.end(),
                                      [&](const auto& h) { return h.to == waiter; });
  REQUIRE(to_waiter != r.handoffs.end());
  CHECK(to_waiter->at == r.requests[0].at + 1 * us + 10 * us);
}

TEST_CASE("the idle exit grows with the idle time up to idle_exit_ramp, then stays whole") {
  // As above: the waiter's core idles from 0 until its timer fires at 5 ms + 50 us of slack.
  const auto first_request = [](Nanos ramp) {
    MachineProfile p = halting_profile();
    p.idle_exit_ramp = ramp;
    Rig rig(2, 5 * ms, p);
    rig.ops(0, {{OpKind::cpu, 20 * ms}});
    rig.ops(0, {{OpKind::cpu, 1 * us}});
    rig.run();
    REQUIRE(!rig.recorder.requests.empty());
    return rig.recorder.requests[0].at;
  };
  // 4.85 ms past the 200 us window of a 10 ms ramp: 48.5 % of the 100 us exit.
  CHECK(first_request(10200 * us) == 5 * ms + 50 * us + 10 * us + 48500);
  CHECK(first_request(3 * ms) == 5 * ms + 50 * us + 10 * us + 100 * us);  // past the ramp
}

TEST_CASE("a wake-up with no idle core only queues the thread; onto a core idle briefly, no idle exit") {
  // One core, always busy: the waiter's timed wait fires with no idle core.
  Rig one(1, 5 * ms, halting_profile());
  one.ops(0, {{OpKind::cpu, 20 * ms}});
  const Tid waiter = one.ops(0, {{OpKind::cpu, 1 * us}});
  one.run();
  Nanos waits_from = -1;  // the waiter first runs after the holder's slice
  for (const auto& c : one.recorder.changes)
    if (c.tid == waiter && c.state == ThreadState::gil_wait) {
      waits_from = c.at;
      break;
    }
  REQUIRE(waits_from > 0);
  REQUIRE(!one.recorder.requests.empty());
  // The fired timer queues the waiter at once (no idle core to wake: no wake-up latency); it
  // preempts the holder, one context switch, and sets the request.
  CHECK(one.recorder.requests[0].at == waits_from + 5 * ms + 50 * us + 2 * us);
  // Two cores, switch interval 100 us: the waiter's core idles 160 us, inside the poll window.
  Rig two(2, 100 * us, halting_profile());
  two.ops(0, {{OpKind::cpu, 20 * ms}});
  two.ops(0, {{OpKind::cpu, 1 * us}});
  two.run();
  REQUIRE(!two.recorder.requests.empty());
  CHECK(two.recorder.requests[0].at == 100 * us + 50 * us + 10 * us);
}

namespace {
// W runs 1 ms of native code, wakes S (asleep on a queue since the start), runs 1 ms more.
// Returns W's exit time and the time S is back from its wait.
std::pair<Nanos, Nanos> wake_and_work(int cores, MachineProfile p) {
  Rig rig(cores, 5 * ms, p);
  WaitQueue queue;
  Nanos back = -1;
  rig.thread(0, [&](Tid t) {
    rig.interp->wait_released(t, queue, ThreadState::idle);
    back = rig.os->now();
  });
  const Tid w = rig.thread(0, [&](Tid t) {
    rig.interp->run_op(t, OpKind::native, 1 * ms);
    rig.os->notify_one(queue);
    rig.interp->run_op(t, OpKind::native, 1 * ms);
  });
  rig.run();
  return {rig.recorder.exit_time(w), back};
}
}  // namespace

TEST_CASE("waking a thread onto an idle core costs the waker wake_cost of CPU time") {
  MachineProfile p = gilsim::test::round_profile();
  const auto [free_w, free_s] = wake_and_work(2, p);
  p.wake_cost = 9 * us;
  const auto [paid_w, paid_s] = wake_and_work(2, p);
  CHECK(paid_w - free_w == 9 * us);  // the IPI, paid on the waker's core
  CHECK(paid_s == free_s);           // the sleeper's wake-up latency is unchanged
  // One core: the sleeper only queues, no IPI.
  const auto [one_free, one_free_s] = wake_and_work(1, gilsim::test::round_profile());
  const auto [one_paid, one_paid_s] = wake_and_work(1, p);
  CHECK(one_paid == one_free);
  CHECK(one_paid_s == one_free_s);
}

TEST_CASE("a thread that slept spends resume_cost on its core before it runs on") {
  MachineProfile p = gilsim::test::round_profile();
  p.resume_cost = 7 * us;
  Rig rig(2, 5 * ms, p);
  const Tid sleeper = rig.ops(0, {{OpKind::io, 1 * ms}});
  rig.run();
  const auto io = rig.recorder.latencies(sleeper, OpKind::io);
  REQUIRE(io.size() == 1);
  CHECK(io[0] == 1 * ms + 10 * us + 7 * us);  // the sleep, the wake-up, the way back
  // A wait woken by a notify pays it too: the sleeper is back 7 us later than without it.
  MachineProfile none = gilsim::test::round_profile();
  CHECK(wake_and_work(2, p).second - wake_and_work(2, none).second == 7 * us);
}

namespace {
// Z runs 1 ms on core 0 and sleeps 100 us; meanwhile Y takes core 0 for 20 ms. Woken with
// both cores busy, Z queues on its previous core, behind Y. At 1.2 ms X leaves core 1 idle.
// Returns the latency of Z's sleep: until it is running again.
Nanos queued_behind_busy_core(Nanos migration_cost) {
  MachineProfile p = gilsim::test::round_profile();
  p.base_slice = 10 * ms;  // Y keeps core 0: only balancing can move Z
  p.migration_cost = migration_cost;
  p.sched_tick = 4 * ms;
  Rig rig(2, 5 * ms, p);
  const Tid z = rig.ops(0, {{OpKind::native, 1 * ms}, {OpKind::io, 100 * us}});
  rig.ops(0, {{OpKind::native, 1200 * us}});
  rig.ops(1050 * us, {{OpKind::native, 20 * ms}});
  rig.run();
  const auto io = rig.recorder.latencies(z, OpKind::io);
  REQUIRE(io.size() == 1);
  return io[0];
}
}  // namespace

TEST_CASE("a newly idle core pulls a queued thread, unless it is cache-hot: then at the tick") {
  // Not hot: newidle balance hands core 1 to Z when X leaves it (one context switch).
  CHECK(queued_behind_busy_core(0) == 200 * us + 2 * us);
  // Z ran 0.2 ms ago: it stays queued while core 1 idles, until the 4 ms tick's balance
  // pulls it there (after the idle core's 10 us wake-up).
  CHECK(queued_behind_busy_core(500 * us) == 4 * ms + 10 * us - 1 * ms);
}

TEST_CASE("a woken thread goes back to its previous core if idle, even a halted one") {
  // A runs on core 0 and sleeps 1 ms from 0.1 ms; B runs on core 1 until 1.05 ms. When A
  // wakes, core 1 is still polling but core 0, A's own, has halted: select_idle_sibling
  // picks core 0, so the wake-up pays the idle exit.
  Rig rig(2, 5 * ms, halting_profile());
  const Tid a = rig.ops(0, {{OpKind::native, 100 * us}, {OpKind::io, 1 * ms}});
  rig.ops(50 * us, {{OpKind::native, 1 * ms}});
  rig.run();
  const auto io = rig.recorder.latencies(a, OpKind::io);
  REQUIRE(io.size() == 1);
  CHECK(io[0] == 1 * ms + 10 * us + 100 * us);
}

TEST_CASE("an idle core a wake-up takes is its own: a second wake-up in that instant queues") {
  // S1 and S2 sleep on one queue; W wakes both at 1.1 ms, with one core idle. try_to_wake_up
  // puts S1 there at once, so S2 finds no idle core and is runnable (queued) from the same
  // instant, instead of waking onto the same core and finding it gone 10 us later.
  Rig rig(2);
  WaitQueue queue;
  auto sleeper = [&](Tid t) { rig.interp->wait_released(t, queue, ThreadState::idle); };
  const Tid s1 = rig.thread(0, sleeper);
  const Tid s2 = rig.thread(0, sleeper);
  rig.thread(100 * us, [&](Tid t) {
    rig.interp->run_op(t, OpKind::native, 1 * ms);
    rig.os->notify_all(queue);
    rig.interp->run_op(t, OpKind::native, 1 * ms);
  });
  rig.run();
  auto first_runnable = [&](Tid t) {
    for (const auto& c : rig.recorder.changes)
      if (c.tid == t && c.state == ThreadState::runnable) return c.at;
    return Nanos{-1};
  };
  CHECK(first_runnable(s1) == -1);  // it woke onto the idle core: never queued
  CHECK(first_runnable(s2) == 1100 * us);
}

TEST_CASE("an I/O shorter than the wake-up latency keeps its core from a queued thread") {
  // A read that finds its data waiting never sleeps, so the kernel never switches away: B,
  // queued behind A on the one core, does not get it during A's 2 us I/O.
  Rig rig(1);
  const Tid a =
      rig.ops(0, {{OpKind::native, 100 * us}, {OpKind::io, 2 * us}, {OpKind::native, 100 * us}});
  rig.ops(10 * us, {{OpKind::native, 1 * ms}});
  rig.run();
  const auto io = rig.recorder.latencies(a, OpKind::io);
  REQUIRE(io.size() == 1);
  CHECK(io[0] == 2 * us);
  CHECK(rig.recorder.exit_time(a) == 202 * us);
}

TEST_CASE("a thread doing only short I/Os still yields its core at its slice end") {
  // A's 5 us reads never sleep, so A keeps the one core through them; but at the end of its
  // slice (0.75 ms) the kernel switches to B, queued since 10 us, as at any syscall return.
  Rig rig(1);
  rig.ops(0, {{OpKind::io, 5 * us}}, 400);
  const Tid b = rig.ops(10 * us, {{OpKind::native, 100 * us}});
  rig.run();
  CHECK(rig.recorder.exit_time(b) < 750 * us + 2 * 5 * us + 2 * us + 100 * us);
}
