// One Python interpreter: its GIL and what its threads do when they run an op. A simulated
// Python thread's code calls these like the Python it models: run some bytecode, block in a
// system call, call into C.
#pragma once

#include "gil.hpp"
#include "gilsim/scenario.hpp"

namespace gilsim {

class Interpreter {
 public:
  Interpreter(Os& os, Observer& observer, const MachineProfile& profile, Nanos switch_interval);

  Os& os() { return os_; }
  Gil& gil() { return gil_; }

  // Runs one op of `duration` on thread t, which holds the GIL before and after.
  void run_op(Tid t, OpKind kind, Nanos duration);
  // Bytecode that holds the GIL and honours drop requests at eval-breaker checks; `activity` is
  // python for the user's code, overhead for interpreter and library bookkeeping.
  void run_python(Tid t, Nanos duration, ThreadState activity = ThreadState::python);
  // A blocking call wrapped in Py_BEGIN_ALLOW_THREADS: drop, block on `queue`, take again.
  bool wait_released(Tid t, WaitQueue& queue, ThreadState activity, Nanos timeout = kNever);

 private:
  void call_native(Tid t, Nanos duration, bool releases_gil);

  Os& os_;
  Gil gil_;
};

}  // namespace gilsim
