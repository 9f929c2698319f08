#include "world.hpp"

namespace gilsim {

PyProcess::PyProcess(World& world, Pid pid, std::string name, const InterpreterConfig& config)
    : world_(world),
      pid_(pid),
      name_(std::move(name)),
      interpreters_([&] {
        std::deque<Interpreter> main;
        main.emplace_back(world.os, world.observer, world.profile, config, world.next_gil_id());
        return main;
      }()),
      threading_(interpreters_.front(), world.profile, pid) {}

Interpreter& PyProcess::add_interpreter(const InterpreterConfig& config) {
  return interpreters_.emplace_back(world_.os, world_.observer, world_.profile, config,
                                    world_.next_gil_id());
}

World::World(Engine& e, Os& kernel, Observer& o, const MachineProfile& p, const Scenario& s,
             const Program& plan)
    : engine(e), os(kernel), observer(o), profile(p), scenario(s), program(plan) {}

PyProcess& World::add_process(std::string name, const InterpreterConfig& config) {
  const Pid pid = add_os_process(name);
  return processes_.emplace_back(*this, pid, std::move(name), config);
}

Pid World::add_os_process(std::string_view name) {
  observer.process_created(pids_, name, now());
  return pids_++;
}

}  // namespace gilsim
