// The observation stream: what the simulation tells its subscribers (the per-thread breakdown,
// later the trace writer). The simulation never formats anything; subscribers never reach back.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "gilsim/scenario.hpp"
#include "gilsim/units.hpp"

namespace gilsim {

using Tid = int;

// What a thread is doing, as GIL observers name it (conventions.md).
enum class ThreadState : std::uint8_t {
  python,    // running bytecode, holding the GIL
  native,    // running C code (GIL released, or held by a native_gil call)
  gil_wait,  // waiting for the GIL ("Waiting for GIL")
  runnable,  // ready to run, no free core
  io,        // blocked in a system call (network, disk, sleep)
  idle,      // a pool worker waiting for work, a thread waiting to join
  overhead,  // interpreter and library bookkeeping: thread start, submit, set_result
  exited,
};
inline constexpr int kThreadStates = 7;  // the states that take time (all but exited)

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void thread_created(Tid, std::string_view /*name*/, Nanos) {}
  virtual void state_changed(Tid, ThreadState, Nanos) {}
  // A take_gil that changed the holder (switch_number incremented); from is -1 at first.
  virtual void gil_handoff(Tid /*from*/, Tid /*to*/, Nanos) {}
  virtual void drop_requested(Tid /*requester*/, Tid /*holder*/, Nanos) {}
  // A holder dropped the GIL because of a drop request and waits for another to take it.
  virtual void forced_switch(Tid, Nanos) {}
  // An op of a task or thread body, from its start until the thread runs Python again after it
  // (so an io op's latency includes waiting to take the GIL back).
  virtual void op_finished(Tid, OpKind, Nanos /*started*/, Nanos /*finished*/) {}
  virtual void task_finished(std::int64_t /*task*/, Nanos /*submitted*/, Nanos /*finished*/) {}
};

}  // namespace gilsim
