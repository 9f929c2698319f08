// The threading module's part that costs time: Thread.start() (clone, then wait on the
// `_started` Event while the new thread takes the GIL and bootstraps) and Thread.join()
// (wait on the thread's tstate lock), and a thread's end. Lib/threading.py,
// Modules/_threadmodule.c; glibc's nptl-stack.c for the stacks.
#pragma once

#include <deque>
#include <functional>
#include <string_view>

#include "interp.hpp"

namespace gilsim {

class Threading {
 public:
  Threading(Interpreter& interp, const MachineProfile& profile, Pid pid);

  // The program's first thread, running when the clock starts, holding the GIL (Py_Initialize).
  Tid boot_main(std::function<void(Tid)> body);
  // The main thread of a process forked or spawned now: the same once it runs.
  Tid start_main(std::function<void(Tid)> body);
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
  std::function<void()> main_body(std::function<void(Tid)> body);
  Nanos stack_for_new_thread();
  void exit_thread(Tid t);

  Interpreter& interp_;
  const MachineProfile& profile_;
  Pid pid_;
  std::deque<PyThread> threads_;  // by Tid; deque: references stay valid as threads start
  int cached_stacks_ = 0;         // stacks of exited threads glibc keeps for new ones
};

}  // namespace gilsim
