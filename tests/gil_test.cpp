// The GIL's rules (Python/ceval_gil.c), each with the exact virtual times the model defines.
// Costs from rig.hpp: wake-up 10 us, timer slack 50 us, eval-breaker check 1 us, interval 5 ms.
// A waiter's timed wait therefore fires 5.060 ms after it starts.
#include <doctest/doctest.h>

#include "rig.hpp"

using namespace gilsim;
using gilsim::test::Rig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;
constexpr Nanos kTimeoutFires = 5 * ms + 50 * us + 10 * us;
}  // namespace

TEST_CASE("a lone thread never waits for the GIL") {
  Rig rig(2);
  const Tid t = rig.ops(0, {{OpKind::cpu, 1 * ms}}, 10);
  rig.run();
  CHECK(rig.recorder.exit_time(t) == 10 * ms);
  CHECK(rig.recorder.time_in(t, ThreadState::gil_wait) == 0);
  CHECK(rig.recorder.requests.empty());
  CHECK(rig.recorder.forced.empty());
}

TEST_CASE("a waiter that times out sets the drop request") {
  Rig rig(2);
  const Tid a = rig.ops(0, {{OpKind::cpu, 20 * ms}});
  const Tid b = rig.ops(1 * ms, {{OpKind::cpu, 1 * ms}});
  rig.run();
  REQUIRE(!rig.recorder.requests.empty());
  const auto first = rig.recorder.requests.front();
  CHECK(first.requester == b);
  CHECK(first.holder == a);
  CHECK(first.at == 1 * ms + kTimeoutFires);
}

TEST_CASE("forced switching hands the GIL over at the next eval-breaker check") {
  Rig rig(2);
  const Tid a = rig.ops(0, {{OpKind::cpu, 20 * ms}});
  const Tid b = rig.ops(1 * ms, {{OpKind::cpu, 1 * ms}});
  rig.run();
  const Nanos requested = 1 * ms + kTimeoutFires;
  REQUIRE(!rig.recorder.forced.empty());
  CHECK(rig.recorder.forced.front() == std::pair<Tid, Nanos>{a, requested + 1 * us});
  // The dropper's signal wakes the waiter 10 us later; it takes the GIL.
  REQUIRE(rig.recorder.handoffs.size() >= 3);  // (none) -> a, a -> b, b -> a
  CHECK(rig.recorder.handoffs[1].from == a);
  CHECK(rig.recorder.handoffs[1].to == b);
  CHECK(rig.recorder.handoffs[1].at == requested + 1 * us + 10 * us);
  // b runs its 1 ms and exits; a gets the GIL back and finishes the rest of its 20 ms.
  CHECK(rig.recorder.exit_time(b) == requested + 11 * us + 1 * ms);
}

TEST_CASE("two CPU-bound threads take turns every switch interval plus the hand-off costs") {
  Rig rig(2);
  rig.ops(0, {{OpKind::cpu, 100 * ms}});
  rig.ops(0, {{OpKind::cpu, 100 * ms}});
  rig.run();
  const auto& h = rig.recorder.handoffs;
  REQUIRE(h.size() > 10);
  // Holder's turn: the waiter's timeout (5.060 ms after it began waiting, which is 10 us after
  // the previous switch: the switch_cond wake-up), + 1 us to the check, + 10 us wake-up.
  for (std::size_t i = 3; i + 1 < h.size() - 2; ++i) CHECK(h[i + 1].at - h[i].at == 5081 * us);
  // Both threads' work is serialised: 200 ms of CPU and about 40 switches of 11 us.
  const Nanos end = std::max(rig.recorder.exit_time(0), rig.recorder.exit_time(1));
  CHECK(end > 200 * ms);
  CHECK(end < 201 * ms);
}

TEST_CASE("the convoy: each blocking I/O next to a CPU-bound thread costs one switch interval") {
  Rig rig(2);
  rig.thread(0, [&](Tid t) {  // spinner: runs until the I/O thread is done
    while (rig.recorder.exit_time(1) < 0) rig.interp->run_op(t, OpKind::cpu, 1 * ms);
  });
  const Tid io = rig.ops(100 * us, {{OpKind::io, 1 * ms}, {OpKind::cpu, 20 * us}}, 20);
  rig.run();
  const auto lat = rig.recorder.latencies(io, OpKind::io);
  REQUIRE(lat.size() == 20);
  // The spinner takes the free GIL during the I/O; the I/O thread, back after 1 ms and its
  // 10 us wake-up, waits a full timed wait, asks, and gets the GIL at the spinner's next
  // check plus a wake-up.
  for (std::size_t i = 1; i < lat.size(); ++i)
    CHECK(lat[i] == 1 * ms + 10 * us + kTimeoutFires + 11 * us);
}

TEST_CASE("the convoy's cost is in proportion to the switch interval") {
  auto penalty = [](Nanos interval) {
    Rig rig(2, interval);
    rig.thread(0, [&](Tid t) {
      while (rig.recorder.exit_time(1) < 0) rig.interp->run_op(t, OpKind::cpu, 1 * ms);
    });
    const Tid io = rig.ops(100 * us, {{OpKind::io, 1 * ms}, {OpKind::cpu, 20 * us}}, 10);
    rig.run();
    return rig.recorder.latencies(io, OpKind::io).back() - 1 * ms;
  };
  CHECK(penalty(5 * ms) - penalty(1 * ms) == 4 * ms);
  CHECK(penalty(1 * ms) - penalty(100 * us) == 900 * us);
}

TEST_CASE("I/O shorter than the wake-up latency wins the race and re-takes the GIL at once") {
  Rig rig(2);
  const Tid spinner = rig.ops(0, {{OpKind::cpu, 10 * ms}});
  const Tid io = rig.ops(100 * us, {{OpKind::io, 2 * us}, {OpKind::cpu, 20 * us}}, 200);
  rig.run();
  const auto lat = rig.recorder.latencies(io, OpKind::io);
  REQUIRE(lat.size() == 200);
  // The first I/O lets the spinner's signalled wake-up win; after that the I/O thread holds
  // the GIL and each 2 us release is over before the woken waiter can run.
  int fast = 0;
  for (Nanos l : lat) fast += l == 2 * us;
  CHECK(fast >= 198);
  // Every release signals the waiting spinner, whose timed wait starts afresh: it never times
  // out, so it asks for the GIL only after the I/O thread is gone.
  CHECK(rig.recorder.exit_time(spinner) > rig.recorder.exit_time(io));
}

TEST_CASE("native code that keeps the GIL honours a drop request only when it returns") {
  Rig rig(2);
  const Tid a = rig.ops(0, {{OpKind::native_gil, 20 * ms}, {OpKind::cpu, 1 * ms}});
  const Tid b = rig.ops(1 * ms, {{OpKind::cpu, 1 * ms}});
  rig.run();
  REQUIRE(rig.recorder.requests.size() >= 1);
  CHECK(rig.recorder.requests.front().at == 1 * ms + kTimeoutFires);
  REQUIRE(rig.recorder.handoffs.size() >= 2);
  CHECK(rig.recorder.handoffs[1].from == a);
  CHECK(rig.recorder.handoffs[1].to == b);
  CHECK(rig.recorder.handoffs[1].at == 20 * ms + 10 * us);
}

TEST_CASE("native code that releases the GIL runs in parallel on two cores") {
  Rig rig(2);
  const Tid a = rig.ops(0, {{OpKind::native, 10 * ms}});
  const Tid b = rig.ops(0, {{OpKind::native, 10 * ms}});
  rig.run();
  CHECK(rig.recorder.exit_time(a) <= 10 * ms + 100 * us);
  CHECK(rig.recorder.exit_time(b) <= 10 * ms + 100 * us);
  CHECK(rig.recorder.requests.empty());
}

TEST_CASE("on one core a waiting thread's timeout still runs, by wake-up preemption") {
  Rig rig(1);
  rig.ops(0, {{OpKind::cpu, 30 * ms}});
  rig.ops(0, {{OpKind::cpu, 30 * ms}});
  rig.run();
  // The holder owns the only core; the timed-out waiter preempts it, asks for the GIL, and
  // the holder (back on the core) hands it over at once: turns of about 5-9 ms, as the
  // scheduler's fairness between the two allows.
  const auto& r = rig.recorder;
  REQUIRE(r.requests.size() >= 5);
  for (const auto& req : r.requests) {
    bool handed = false;
    for (const auto& h : r.handoffs) handed |= h.from == req.holder && h.at > req.at &&
                                               h.at <= req.at + 100 * us;
    CHECK(handed);
  }
}
