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
  subprocess,  // subprocess.run of an external command that uses a core this long: no GIL
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

// The CPython a scenario runs on: the versions whose defaults differ, and the free-threaded
// builds (PEP 703), which have no GIL.
enum class PythonVersion { v3_10, v3_11, v3_12, v3_13, v3_13t, v3_14, v3_14t };

inline bool is_free_threaded(PythonVersion v) {
  return v == PythonVersion::v3_13t || v == PythonVersion::v3_14t;
}

enum class StartMethod { fork, forkserver, spawn };  // multiprocessing start methods

enum class StrategyKind {
  serial,           // one thread runs every task in turn
  threads,          // ThreadPoolExecutor
  processes,        // ProcessPoolExecutor (and, with threads_per_worker, a pipeline)
  asyncio,          // one event loop; io ops are awaits
  free_threaded,    // ThreadPoolExecutor on a free-threaded build: no GIL
  subinterpreters,  // InterpreterPoolExecutor: one interpreter, one GIL, per worker
  program,          // the explicit form: the threads as written
};

// A strategy and its knobs as the scenario gives them; sim/plan.cpp fills in the defaults.
struct StrategySpec {
  StrategySpec() = default;
  StrategySpec(StrategyKind k) : kind(k) {}  // NOLINT: a bare kind is a strategy with defaults

  StrategyKind kind = StrategyKind::serial;
  std::optional<int> workers;  // pool size; default per kind (see plan.cpp)
  // processes
  std::optional<StartMethod> start_method;
  std::int64_t chunksize = 1;        // ProcessPoolExecutor.map(chunksize=)
  int threads_per_worker = 1;        // > 1: each worker runs its chunk on a thread pool
  // asyncio
  std::optional<std::int64_t> concurrency;  // an asyncio.Semaphore around each task
  std::vector<OpKind> to_thread;            // op kinds run with asyncio.to_thread
  // free-threaded
  std::optional<PythonVersion> python;  // which free-threaded build (3.13t or 3.14t)
  double shared_fraction = 0;           // share of each cpu op under one shared object's lock

  bool operator==(const StrategySpec&) const = default;
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
  PythonVersion python = PythonVersion::v3_11;
  Nanos switch_interval = 5 * kMilli;  // sys.setswitchinterval; CPython's DEFAULT_INTERVAL
  Nanos import_time = 0;  // a spawned child's import of the main module
  Nanos max_virtual_time = 3600 * kSecond;
  Machine machine;
  std::vector<TaskKind> tasks;       // the workload form
  std::vector<ThreadSpec> program;   // or the explicit form (then tasks is empty)
  std::vector<StrategySpec> strategies;
};

}  // namespace gilsim
