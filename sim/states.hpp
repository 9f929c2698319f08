// How traces and timelines name and colour a thread's states. The names are the ones real GIL
// observers use (CPython 3.15's sampling profiler: "Python Code", "Native Code", "Waiting for
// GIL"), so a simulated and a measured timeline read alike (conventions.md, "Trace files").
#pragma once

#include <array>
#include <string_view>

#include "gilsim/observer.hpp"

namespace gilsim {

struct StateStyle {
  std::string_view label;   // slice name in traces, legend entry in timelines
  std::string_view cname;   // chrome://tracing's reserved colour name (Perfetto ignores it)
  std::string_view colour;  // timeline fill
};

inline const StateStyle& state_style(ThreadState s) {
  static constexpr std::array<StateStyle, kThreadStates + 1> kStyles = {{
      {"Python Code", "thread_state_running", "#43a047"},
      {"Native Code", "rail_load", "#1e88e5"},
      {"Waiting for GIL", "terrible", "#e53935"},
      {"Waiting for lock", "bad", "#ad1457"},
      {"Runnable (no free core)", "thread_state_runnable", "#fdd835"},
      {"Blocked on I/O", "thread_state_iowait", "#b39ddb"},
      {"Pickling and IPC", "yellow", "#8d6e63"},
      {"Starting up", "startup", "#546e7a"},
      {"Idle", "thread_state_sleeping", "#eeeeee"},
      {"Interpreter overhead", "generic_work", "#9e9e9e"},
      {"Kernel (wake-ups, exits)", "rail_idle", "#ff7043"},
      {"Exited", "black", "#ffffff"},
  }};
  return kStyles[static_cast<std::size_t>(s)];
}

}  // namespace gilsim
