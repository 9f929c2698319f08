// The observation stream: what the simulation tells its subscribers (the per-thread breakdown,
// the trace writer). The simulation never formats anything; subscribers never reach back.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "gilsim/scenario.hpp"
#include "gilsim/units.hpp"

namespace gilsim {

using Tid = int;    // a simulated OS thread, numbered from 0 in creation order
using Pid = int;    // a simulated OS process, numbered from 0 (the main process) in creation order
using GilId = int;  // the GIL of one interpreter (a process has one per interpreter)

// What a thread is doing, as GIL observers name it (conventions.md).
enum class ThreadState : std::uint8_t {
  python,     // running bytecode, holding the GIL
  native,     // running C code (GIL released, or held by a native_gil call)
  gil_wait,   // waiting for the GIL ("Waiting for GIL")
  lock_wait,  // waiting for a lock other than the GIL (a free-threaded per-object lock)
  runnable,   // ready to run, waiting in a core's run queue
  io,         // blocked in a system call (network, disk, sleep, a child process)
  ipc,        // pickling, unpickling, moving bytes through a pipe between processes
  startup,    // a process or interpreter starting: fork, exec, interpreter init, imports
  idle,       // a pool worker waiting for work, a thread waiting to join
  overhead,   // interpreter and library bookkeeping: thread start, submit, set_result
  kernel,     // CPU time in the kernel: waking a thread onto an idle core, resuming after a sleep
  exited,
};
inline constexpr int kThreadStates = 11;  // the states that take time (all but exited)

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void process_created(Pid, std::string_view /*name*/, Nanos) {}
  virtual void thread_created(Tid, Pid, std::string_view /*name*/, Nanos) {}
  virtual void state_changed(Tid, ThreadState, Nanos) {}
  // Every take_gil: `last` held it before (-1 at first); a hand-off when last != taker.
  virtual void gil_taken(GilId, Tid /*last*/, Tid /*taker*/, Nanos) {}
  // Every drop_gil: the GIL is free from now until the next take.
  virtual void gil_released(GilId, Tid /*holder*/, Nanos) {}
  virtual void drop_requested(GilId, Tid /*requester*/, Tid /*holder*/, Nanos) {}
  // A holder dropped the GIL because of a drop request and waits for another to take it.
  virtual void forced_switch(GilId, Tid, Nanos) {}
  // An op of a task or thread body, from its start until the thread runs Python again after it
  // (so an io op's latency includes waiting to take the GIL back).
  virtual void op_finished(Tid, OpKind, Nanos /*started*/, Nanos /*finished*/) {}
  virtual void task_finished(std::int64_t /*task*/, Nanos /*submitted*/, Nanos /*finished*/) {}
};

}  // namespace gilsim
