// threading.Lock on a Python thread (sim/interp.*): the non-blocking try under the GIL, the
// blocking wait with the GIL dropped, and the waiter that owns the lock before the GIL (the
// step of a lock convoy). Costs from rig.hpp: wake-up 10 us, timer slack 50 us, eval-breaker
// check 1 us, switch interval 5 ms.
#include <doctest/doctest.h>

#include "rig.hpp"

using namespace gilsim;
using gilsim::test::Rig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;
}  // namespace

TEST_CASE("a free lock is taken without dropping the GIL") {
  Rig rig(2);
  PyLock lock;
  const Tid a = rig.thread(0, [&](Tid t) {
    rig.interp->acquire(t, lock);
    rig.interp->run_python(t, 1 * ms);
    rig.interp->release(lock);
  });
  rig.run();
  CHECK(rig.recorder.exit_time(a) == 1 * ms);
  CHECK(rig.recorder.time_in(a, ThreadState::lock_wait) == 0);
  CHECK(rig.recorder.handoffs.size() == 1);  // (none) -> a
  CHECK_FALSE(lock.locked);
}

TEST_CASE("a thread that finds the lock taken drops the GIL and waits for the release") {
  Rig rig(2);
  PyLock lock;
  Nanos released = -1, acquired = -1;
  const Tid a = rig.thread(0, [&](Tid t) {
    rig.interp->acquire(t, lock);
    rig.interp->run_python(t, 20 * ms);
    released = rig.os->now();
    rig.interp->release(lock);
  });
  const Tid b = rig.thread(1 * ms, [&](Tid t) {
    rig.interp->acquire(t, lock);  // a owns it: b got the GIL by a forced switch
    acquired = rig.os->now();
    rig.interp->release(lock);
  });
  rig.run();
  REQUIRE(rig.recorder.handoffs.size() >= 3);
  // a -> b at the forced switch, then b, blocked on the lock, gives the GIL straight back.
  CHECK(rig.recorder.handoffs[1].from == a);
  CHECK(rig.recorder.handoffs[1].to == b);
  CHECK(rig.recorder.handoffs[2].from == b);
  CHECK(rig.recorder.handoffs[2].to == a);
  CHECK(rig.recorder.time_in(b, ThreadState::lock_wait) > 0);
  // a keeps its lock and finishes its 20 ms; b is woken (10 us) and takes the GIL a dropped.
  CHECK(acquired >= released + 10 * us);
  CHECK(rig.recorder.exit_time(a) == released);
}

TEST_CASE("a woken waiter owns the lock while it waits for the GIL: the holder blocks on it") {
  Rig rig(2);
  PyLock lock;
  Nanos b_acquired = -1, a_reacquired = -1;
  const Tid a = rig.thread(0, [&](Tid t) {
    rig.interp->acquire(t, lock);
    rig.interp->run_python(t, 20 * ms);
    rig.interp->release(lock);              // wakes b, which takes the lock 10 us later...
    rig.interp->run_python(t, 100 * us);    // ...while a still holds the GIL
    rig.interp->acquire(t, lock);           // so a blocks and hands the GIL to b
    a_reacquired = rig.os->now();
    rig.interp->release(lock);
  });
  const Tid b = rig.thread(1 * ms, [&](Tid t) {
    rig.interp->acquire(t, lock);
    b_acquired = rig.os->now();
    rig.interp->run_python(t, 50 * us);
    rig.interp->release(lock);
  });
  rig.run();
  CHECK(rig.recorder.time_in(a, ThreadState::lock_wait) > 0);
  CHECK(b_acquired < a_reacquired);
  // b runs its 50 us under the lock, releases it; a is woken and goes on.
  CHECK(a_reacquired >= b_acquired + 50 * us + 10 * us);
  CHECK(rig.recorder.exit_time(b) < rig.recorder.exit_time(a));
}
