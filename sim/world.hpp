// The world of one simulated run: the clock, the kernel, the observers, the costs and the
// scenario, shared by everything; and the CPython processes that exist, each with its
// interpreters (one GIL each) and its threads. Strategies build their processes here.
#pragma once

#include <deque>
#include <string>

#include "engine.hpp"
#include "gilsim/scenario.hpp"
#include "plan.hpp"
#include "threading.hpp"

namespace gilsim {

class World;

// One OS process running CPython: a main interpreter, perhaps subinterpreters, and threads.
class PyProcess {
 public:
  PyProcess(World& world, Pid pid, std::string name, const InterpreterConfig& config);

  Pid pid() const { return pid_; }
  const std::string& name() const { return name_; }
  Interpreter& interp() { return interpreters_.front(); }
  Threading& threading() { return threading_; }
  // A subinterpreter with a GIL of its own (PEP 684, Py_NewInterpreterFromConfig).
  Interpreter& add_interpreter(const InterpreterConfig& config);

 private:
  World& world_;
  Pid pid_;
  std::string name_;
  std::deque<Interpreter> interpreters_;  // deque: references stay valid as more are made
  Threading threading_;
};

class World {
 public:
  World(Engine& engine, Os& os, Observer& observer, const MachineProfile& profile,
        const Scenario& scenario, const Program& program);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // A new process (its threads are started by whoever made it).
  PyProcess& add_process(std::string name, const InterpreterConfig& config);
  // A process that is not Python (an external command): just a pid and a name.
  Pid add_os_process(std::string_view name);
  GilId next_gil_id() { return gils_++; }
  Nanos now() const { return os.now(); }

  Engine& engine;
  Os& os;
  Observer& observer;
  const MachineProfile& profile;
  const Scenario& scenario;
  const Program& program;

 private:
  std::deque<PyProcess> processes_;
  Pid pids_ = 0;
  GilId gils_ = 0;
};

}  // namespace gilsim
