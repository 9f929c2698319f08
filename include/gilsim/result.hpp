// What one simulated run of one strategy produced: the observations summed up.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gilsim/observer.hpp"

namespace gilsim {

struct ThreadSummary {
  std::string name;
  Pid pid = 0;  // index into RunResult::processes
  Nanos created = 0;
  Nanos exited = 0;
  std::array<Nanos, kThreadStates> time{};  // by ThreadState
  std::int64_t io_ops = 0;
  Nanos io_latency = 0;  // summed over io ops: blocked + getting the GIL back

  Nanos in(ThreadState s) const { return time[static_cast<std::size_t>(s)]; }
};

struct RunResult {
  std::string strategy;  // the label: "threads", "processes (spawn)", "free-threaded (3.14t)"
  StrategyKind kind = StrategyKind::serial;
  PythonVersion python = PythonVersion::v3_11;  // the build it ran on
  int workers = 1;
  int threads_per_worker = 1;  // processes: a thread pool in each worker when > 1
  int cores = 1;
  Nanos wall = 0;
  Nanos core_time = 0;  // CPU time used on all cores
  std::uint64_t gil_handoffs = 0;
  std::uint64_t forced_switches = 0;
  std::uint64_t drop_requests = 0;
  std::int64_t tasks = 0;
  Nanos task_latency_p50 = 0;  // submit -> result
  Nanos task_latency_p99 = 0;
  std::uint64_t events = 0;
  std::vector<std::string> processes;  // by Pid: "MainProcess", "ForkProcess-1", ...
  std::vector<ThreadSummary> threads;

  double cpu_utilisation() const {
    return wall > 0 ? static_cast<double>(core_time) / (static_cast<double>(wall) * cores) : 0;
  }
  Nanos total(ThreadState s) const {
    Nanos sum = 0;
    for (const auto& t : threads) sum += t.in(s);
    return sum;
  }
};

}  // namespace gilsim
