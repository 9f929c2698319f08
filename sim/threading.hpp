// The threading module's part that costs time: Thread.start() (clone, then wait on the
// `_started` Event while the new thread takes the GIL and bootstraps) and Thread.join()
// (wait on the thread's tstate lock). Lib/threading.py, Modules/_threadmodule.c.
#pragma once

#include <deque>
#include <functional>
#include <string_view>

#include "interp.hpp"

namespace gilsim {

class Threading {
 public:
  Threading(Interpreter& interp, const MachineProfile& profile, Pid pid);

  // The process's main thread: runnable at `at`, holding the GIL once it runs (Py_Initialize).
  Tid start_main(Nanos at, std::function<void(Tid)> body);
  // Thread(target=body).start() called by `starter`, which holds the GIL.
  Tid start(Tid starter, std::string_view name, std::function<void(Tid)> body);
  // t.join() called by `caller`, which holds the GIL.
  void join(Tid caller, Tid t);

 private:
  struct PyThread {
    bool started = false;
    bool finished = false;
    WaitQueue started_event;
    WaitQueue tstate_lock;
  };
  PyThread& record(Tid t);

  Interpreter& interp_;
  const MachineProfile& profile_;
  Pid pid_;
  std::deque<PyThread> threads_;  // by Tid; deque: references stay valid as threads start
};

}  // namespace gilsim
