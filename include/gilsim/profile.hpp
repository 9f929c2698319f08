// A machine profile: every cost constant of the model, named, with a unit. The defaults, and
// where each comes from, live in sim/profile.cpp's parameter table (`gilsim profile` prints it).
#pragma once

#include <string>

#include "gilsim/units.hpp"

namespace gilsim {

struct MachineProfile {
  std::string name = "default";

  // CPython interpreter and GIL
  Nanos eval_breaker_latency = 0;  // drop request set -> holder reaches its next check
  Nanos gil_wake_latency = 0;      // cond/futex signal -> the woken thread runs on a core
  Nanos timer_slack = 0;           // a timed wait fires this late (Linux timer_slack_ns)

  // Linux scheduler (EEVDF slices, CFS-style sleeper placement; see sim/os.cpp)
  Nanos context_switch = 0;      // a core passes from one thread to a queued one
  Nanos sched_latency = 0;       // a woken sleeper's credit is half of it, before the ncpu factor
  Nanos base_slice = 0;          // a running thread's slice when others wait, before the factor
  Nanos wakeup_granularity = 0;  // a wakee preempts only if this much vruntime behind

  // threading / ThreadPoolExecutor
  Nanos thread_start = 0;      // Thread.start(): clone + bootstrap, paid by the starter
  Nanos thread_bootstrap = 0;  // new thread's Python-side start-up, under the GIL
  Nanos pool_submit = 0;       // ThreadPoolExecutor.submit(): Future, _WorkItem, put
  Nanos pool_task = 0;         // worker: get returns, run(), set_result, idle release
};

}  // namespace gilsim
