// One Python interpreter: its GIL and what its threads do when they run an op. A simulated
// Python thread's code calls these like the Python it models: run some bytecode, block in a
// system call, call into C.
#pragma once

#include "gil.hpp"
#include "gilsim/scenario.hpp"

namespace gilsim {

struct InterpreterConfig {
  Nanos switch_interval = 5 * kMilli;  // sys.setswitchinterval
  bool free_threaded = false;          // a free-threaded build: no GIL (PEP 703)
  Ppm bytecode_overhead = 0;           // bytecode runs this much slower (free-threaded builds)
  double shared_fraction = 0;          // share of each cpu op under one shared object's lock
};

// A threading.Lock (Modules/_threadmodule.c, a POSIX semaphore underneath), or a free-threaded
// build's PyMutex: acquire() tries once holding the GIL; if the lock is taken it drops the GIL,
// waits for the lock and then takes the GIL again, owning the lock while it waits for the GIL
// (acquire_timed). release() wakes one waiter, which races anyone who acquires meanwhile.
struct PyLock {
  bool locked = false;
  WaitQueue waiters;
};

class Interpreter {
 public:
  Interpreter(Os& os, Observer& observer, const MachineProfile& profile,
              const InterpreterConfig& config, GilId gil);

  Os& os() { return os_; }
  Gil& gil() { return gil_; }
  bool free_threaded() const { return config_.free_threaded; }

  // Runs one op of `duration` on thread t, which holds the GIL before and after; every kind
  // but subprocess, which needs a process (sim/work.cpp).
  void run_op(Tid t, OpKind kind, Nanos duration);
  // Bytecode that holds the GIL and honours drop requests at eval-breaker checks; `activity` is
  // python for the user's code, overhead for interpreter and library bookkeeping.
  void run_python(Tid t, Nanos duration, ThreadState activity = ThreadState::python);
  // C code that keeps the GIL and checks no drop request until it returns (pickle.dumps, a
  // long sorted()); `activity` says what it is.
  void run_c(Tid t, Nanos duration, ThreadState activity);
  // A blocking system call (Py_BEGIN_ALLOW_THREADS): drop the GIL, block, take it again.
  void block(Tid t, Nanos duration, ThreadState activity = ThreadState::io);
  // C code that releases the GIL and keeps a core busy (hashlib, zlib, an os.write of a buffer).
  void run_released(Tid t, Nanos duration, ThreadState activity = ThreadState::native);
  // A blocking wait on `queue` wrapped in Py_BEGIN_ALLOW_THREADS: drop, wait, take again.
  bool wait_released(Tid t, WaitQueue& queue, ThreadState activity, Nanos timeout = kNever);
  // lock.acquire() and lock.release() on thread t, which holds the GIL (if there is one).
  void acquire(Tid t, PyLock& lock);
  void release(PyLock& lock);

 private:
  // The user's bytecode; on a free-threaded build part of it may hold a shared object's lock.
  void run_cpu_op(Tid t, Nanos duration);

  Os& os_;
  InterpreterConfig config_;
  Gil gil_;
  // The PyMutex guarding one object all threads share (a free-threaded build's per-object
  // lock, Py_BEGIN_CRITICAL_SECTION): the part of cpu ops that cannot run in parallel.
  PyLock shared_;
};

}  // namespace gilsim
