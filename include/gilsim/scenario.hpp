// A scenario describes the work, not the code: task kinds made of ops, or explicit threads,
// the machine, the seed and the strategies to compare. sim/scenario.cpp builds it from JSON;
// docs/scenario-format.md is the user's reference.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gilsim/units.hpp"

namespace gilsim {

enum class OpKind {
  cpu,         // Python bytecode: holds the GIL, interruptible at eval-breaker checks
  io,          // blocking wait (socket, disk, sleep): GIL released, no core used
  native,      // C code that releases the GIL (hashlib, zlib, NumPy): uses a core
  native_gil,  // C code that keeps the GIL and checks nothing until it returns
};

// A duration: fixed, or drawn from the scenario's seeded RNG each time the op runs.
struct Duration {
  enum class Shape { fixed, uniform, lognormal };
  Shape shape = Shape::fixed;
  Nanos fixed = 0;  // fixed
  Nanos low = 0;    // uniform: [low, high]
  Nanos high = 0;
  Nanos mean = 0;  // lognormal: by mean and coefficient of variation
  double cv = 0;
};

struct Op {
  OpKind kind = OpKind::cpu;
  Duration duration;
};

// ops may be repeated: `repeat` times the list `ops` (a loop in the Python code).
struct OpBlock {
  std::vector<Op> ops;
  std::int64_t repeat = 1;
};

struct TaskKind {
  std::string name;
  std::int64_t count = 1;
  OpBlock body;
  Bytes arg_bytes = 0;     // pickled argument size (process pools, later)
  Bytes result_bytes = 0;  // pickled result size
};

// The explicit form: named threads started by the main thread, which then joins them.
struct ThreadSpec {
  std::string name;
  OpBlock body;
  bool until_others_finish = false;  // loop body until every other thread has finished
};

enum class StrategyKind { serial, threads, program };

struct StrategySpec {
  StrategyKind kind = StrategyKind::serial;
  std::optional<int> workers;  // threads: default min(32, cores + 4), like ThreadPoolExecutor
};

struct Machine {
  int cores = 4;
  std::string profile = "default";  // "default" or a path to a profile file
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source_path;   // the file it came from, for messages
  std::string content_hash;  // hex FNV-1a 64 of the file's bytes: results say what produced them
  std::uint64_t seed = 1;
  Nanos switch_interval = 5 * kMilli;  // sys.setswitchinterval; CPython's DEFAULT_INTERVAL
  Nanos max_virtual_time = 3600 * kSecond;
  Machine machine;
  std::vector<TaskKind> tasks;       // the workload form
  std::vector<ThreadSpec> program;   // or the explicit form (then tasks is empty)
  std::vector<StrategySpec> strategies;
};

}  // namespace gilsim
