// take_gil / drop_gil, following Python/ceval_gil.c (3.11; the protocol is the same 3.2-3.14).
// The mutex around the GIL's state is implicit: only one simulated thread runs at a time, so
// each function below is atomic except where it waits. The release is a race, not a hand-off:
// drop signals one waiter, which needs the wake-up latency before it can set `locked`; if the
// dropper (or anyone) takes the GIL first, the waiter loops and starts a fresh interval.
#include "gil.hpp"

namespace gilsim {

Gil::Gil(GilId id, Os& os, Observer& observer, Nanos interval, Nanos eval_breaker_latency,
         bool enabled)
    : id_(id),
      os_(os),
      observer_(observer),
      interval_(interval < 1 * kMicro ? 1 * kMicro : interval),  // take_gil: interval >= 1 us
      eval_breaker_latency_(eval_breaker_latency),
      enabled_(enabled) {}

void Gil::take(Tid t) {
  if (!enabled_) return;  // take_gil: `if (!_Py_atomic_load_int_relaxed(&gil->enabled)) return;`
  if (locked_) os_.set_activity(t, ThreadState::gil_wait);
  while (locked_) {
    const std::uint64_t saved_switch_number = switch_number_;
    const bool signalled = os_.wait(cond_, t, interval_);
    // Timed out with no switch in between: ask the holder to drop the GIL.
    if (!signalled && locked_ && switch_number_ == saved_switch_number) set_drop_request(t);
  }
  locked_ = true;
  observer_.gil_taken(id_, last_holder_, t, os_.now());
  if (t != last_holder_) {
    last_holder_ = t;
    ++switch_number_;
  }
  os_.notify_one(switch_cond_);  // FORCE_SWITCHING: the forced dropper may go on
  if (drop_request_) reset_drop_request();
}

void Gil::drop(Tid t) {
  if (!enabled_) return;
  release(t);
  // FORCE_SWITCHING: a drop while a request is pending waits until another thread took the
  // GIL, so the dropper cannot re-take it at once. In 3.11 this applies to any drop_gil with
  // the request set, including one before a blocking call.
  if (drop_request_ && last_holder_ == t) {
    reset_drop_request();
    observer_.forced_switch(id_, t, os_.now());
    os_.set_activity(t, ThreadState::gil_wait);
    os_.wait(switch_cond_, t, kNever);
  }
}

void Gil::drop_final(Tid t) {
  if (enabled_) release(t);
}

void Gil::release(Tid t) {
  last_holder_ = t;
  locked_ = false;
  observer_.gil_released(id_, t, os_.now());
  os_.notify_one(cond_);
}

void Gil::set_drop_request(Tid requester) {
  drop_request_ = true;
  interrupted_ = last_holder_;
  observer_.drop_requested(id_, requester, last_holder_, os_.now());
  // The holder sees the request at its next eval-breaker check.
  os_.interrupt(last_holder_, os_.now() + eval_breaker_latency_);
}

void Gil::reset_drop_request() {
  drop_request_ = false;
  os_.clear_interrupt(interrupted_);
}

}  // namespace gilsim
