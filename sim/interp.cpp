// Ops on a Python thread (see interp.hpp). Where the eval breaker is checked follows
// Python/ceval.c (3.11: RESUME, JUMP_BACKWARD, after calls into C): Python code reacts to a
// drop request within eval_breaker_latency; a C call that keeps the GIL reacts only after it
// returns (the check after CALL).
#include "interp.hpp"

#include <cmath>

namespace gilsim {

Interpreter::Interpreter(Os& os, Observer& observer, const MachineProfile& profile,
                         const InterpreterConfig& config, GilId gil)
    : os_(os),
      config_(config),
      gil_(gil, os, observer, config.switch_interval, profile.eval_breaker_latency,
           !config.free_threaded) {}

void Interpreter::run_op(Tid t, OpKind kind, Nanos duration) {
  switch (kind) {
    case OpKind::cpu:
      return run_cpu_op(t, duration);
    case OpKind::io:
      return block(t, duration);
    case OpKind::native:
      return run_released(t, duration);
    case OpKind::native_gil:
      return run_c(t, duration, ThreadState::native);
    case OpKind::subprocess:
      break;  // sim/work.cpp runs it
  }
}

// The shared part comes last, as one critical section: the same serial share as many short
// ones, without modelling where in the op they fall.
void Interpreter::run_cpu_op(Tid t, Nanos duration) {
  if (config_.shared_fraction <= 0) return run_python(t, duration);
  const auto shared = static_cast<Nanos>(std::llround(static_cast<double>(duration) *
                                                      config_.shared_fraction));
  run_python(t, duration - shared);
  acquire(t, shared_);
  run_python(t, shared);
  release(shared_);
}

void Interpreter::run_python(Tid t, Nanos duration, ThreadState activity) {
  Nanos left = slower_by(duration, config_.bytecode_overhead);
  os_.set_activity(t, activity);
  while ((left = os_.compute(t, left, true)) > 0) {
    // _Py_HandlePending: drop_gil, then take_gil.
    gil_.drop(t);
    gil_.take(t);
    os_.set_activity(t, activity);
  }
}

void Interpreter::run_c(Tid t, Nanos duration, ThreadState activity) {
  os_.set_activity(t, activity);
  os_.compute(t, duration, false);
  if (gil_.drop_requested()) {  // the eval-breaker check after the call returns
    gil_.drop(t);
    gil_.take(t);
  }
}

void Interpreter::block(Tid t, Nanos duration, ThreadState activity) {
  gil_.drop(t);
  os_.set_activity(t, activity);
  os_.block_for(t, duration);
  gil_.take(t);
}

void Interpreter::run_released(Tid t, Nanos duration, ThreadState activity) {
  gil_.drop(t);
  os_.set_activity(t, activity);
  os_.compute(t, duration, false);
  gil_.take(t);
}

bool Interpreter::wait_released(Tid t, WaitQueue& queue, ThreadState activity, Nanos timeout) {
  gil_.drop(t);
  os_.set_activity(t, activity);
  const bool notified = os_.wait(queue, t, timeout);
  gil_.take(t);
  return notified;
}

void Interpreter::acquire(Tid t, PyLock& lock) {
  if (!lock.locked) {  // the non-blocking try, GIL held
    lock.locked = true;
    return;
  }
  gil_.drop(t);
  os_.set_activity(t, ThreadState::lock_wait);
  while (lock.locked) os_.wait(lock.waiters, t, kNever);  // sem_wait (a PyMutex parks alike)
  lock.locked = true;  // the lock is this thread's before the GIL is
  gil_.take(t);
}

void Interpreter::release(PyLock& lock) {
  lock.locked = false;
  os_.notify_one(lock.waiters);
}

}  // namespace gilsim
