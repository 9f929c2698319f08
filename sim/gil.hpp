// The GIL of one interpreter, as Python/ceval_gil.c implements it ("new GIL", CPython 3.2+):
// a `locked` flag guarded by a mutex, a condition variable waiters sleep on with a timeout of
// `interval`, a drop request a timed-out waiter sets for the holder, and FORCE_SWITCHING: a
// holder that drops because of a request waits until another thread has taken the GIL.
#pragma once

#include <cstdint>

#include "os.hpp"

namespace gilsim {

class Gil {
 public:
  // A disabled GIL (a free-threaded build, PEP 703) is never taken: take and drop return at once.
  Gil(GilId id, Os& os, Observer& observer, Nanos interval, Nanos eval_breaker_latency,
      bool enabled = true);

  // take_gil(): returns once `t` holds the GIL.
  void take(Tid t);
  // drop_gil(): releases the GIL; if a drop request is pending, waits until someone took it.
  void drop(Tid t);
  // drop_gil(NULL) at thread exit: no forced-switching wait.
  void drop_final(Tid t);

  GilId id() const { return id_; }
  bool drop_requested() const { return drop_request_; }
  Tid holder() const { return locked_ ? last_holder_ : -1; }

 private:
  void release(Tid t);
  void set_drop_request(Tid requester);
  void reset_drop_request();

  GilId id_;
  Os& os_;
  Observer& observer_;
  Nanos interval_;
  Nanos eval_breaker_latency_;
  bool enabled_;
  bool locked_ = false;
  Tid last_holder_ = -1;
  std::uint64_t switch_number_ = 0;
  bool drop_request_ = false;
  Tid interrupted_ = -1;  // the holder whose eval breaker the request set
  WaitQueue cond_;         // gil->cond: threads waiting for the GIL
  WaitQueue switch_cond_;  // gil->switch_cond: a forced dropper waiting for the switch
};

}  // namespace gilsim
