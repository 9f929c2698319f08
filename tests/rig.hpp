// A small world for model tests: an engine, a kernel and one interpreter with round-number
// costs, Python threads started at chosen times, and a recorder of every observation.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "engine.hpp"
#include "interp.hpp"
#include "profile.hpp"

namespace gilsim::test {

inline MachineProfile round_profile() {
  MachineProfile p;  // every cost not set here is 0
  p.eval_breaker_latency = 1 * kMicro;
  p.gil_wake_latency = 10 * kMicro;
  p.timer_slack = 50 * kMicro;
  p.context_switch = 2 * kMicro;
  p.sched_latency = 6 * kMilli;
  p.base_slice = 750 * kMicro;
  p.wakeup_granularity = 1 * kMilli;
  return p;
}

struct Recorder : Observer {
  struct Change { Tid tid; ThreadState state; Nanos at; };
  struct Task { std::int64_t task; Nanos submitted, finished; };
  std::vector<std::string> processes;
  std::vector<std::pair<Pid, std::string>> threads;  // by Tid: process and name
  std::vector<Task> tasks;
  struct Handoff { Tid from, to; Nanos at; };
  struct Request { Tid requester, holder; Nanos at; };
  struct OpDone { Tid tid; OpKind kind; Nanos started, finished; };
  std::vector<Change> changes;
  std::vector<Handoff> handoffs;
  std::vector<Request> requests;
  std::vector<std::pair<Tid, Nanos>> forced;
  std::vector<OpDone> ops;

  void process_created(Pid, std::string_view name, Nanos) override {
    processes.emplace_back(name);
  }
  void thread_created(Tid, Pid p, std::string_view name, Nanos) override {
    threads.emplace_back(p, name);
  }
  void task_finished(std::int64_t task, Nanos s, Nanos f) override { tasks.push_back({task, s, f}); }
  void state_changed(Tid t, ThreadState s, Nanos at) override { changes.push_back({t, s, at}); }
  void gil_taken(GilId gil, Tid last, Tid taker, Nanos at) override {
    gils.insert(gil);
    if (last != taker) handoffs.push_back({last, taker, at});
  }
  std::set<GilId> gils;  // every GIL some thread took
  void drop_requested(GilId, Tid r, Tid h, Nanos at) override { requests.push_back({r, h, at}); }
  void forced_switch(GilId, Tid t, Nanos at) override { forced.emplace_back(t, at); }
  void op_finished(Tid t, OpKind k, Nanos s, Nanos f) override { ops.push_back({t, k, s, f}); }

  Nanos exit_time(Tid t) const {
    for (const auto& c : changes)
      if (c.tid == t && c.state == ThreadState::exited) return c.at;
    return -1;
  }
  // Total time thread t spent in state s.
  Nanos time_in(Tid t, ThreadState s) const {
    Nanos total = 0, since = -1;
    for (const auto& c : changes) {
      if (c.tid != t) continue;
      if (since >= 0) total += c.at - since;
      since = c.state == s ? c.at : -1;
    }
    return total;
  }
  std::vector<Nanos> latencies(Tid t, OpKind kind) const {
    std::vector<Nanos> out;
    for (const auto& o : ops)
      if (o.tid == t && o.kind == kind) out.push_back(o.finished - o.started);
    return out;
  }
};

// The world is built on a host thread of its own when run() is called: an Engine is the fiber
// scheduler of the host thread it was made on, for that thread's whole life.
struct Rig {
  explicit Rig(int cores, Nanos switch_interval = 5 * kMilli,
               MachineProfile costs = round_profile())
      : profile(costs), cores_(cores), switch_interval_(switch_interval) {}

  // A Python thread that exists from `at`: takes the GIL, runs body, exits.
  Tid thread(Nanos at, std::function<void(Tid)> body) {
    threads_.push_back({at, std::move(body)});
    return static_cast<Tid>(threads_.size()) - 1;
  }
  // A Python thread that runs `ops` in order, recording each op's latency.
  Tid ops(Nanos at, std::vector<std::pair<OpKind, Nanos>> list, int repeat = 1) {
    return thread(at, [this, list = std::move(list), repeat](Tid t) {
      for (int i = 0; i < repeat; ++i)
        for (const auto& [kind, d] : list) {
          const Nanos started = os->now();
          interp->run_op(t, kind, d);
          recorder.op_finished(t, kind, started, os->now());
        }
    });
  }

  void run() {
    std::thread host([this] {
      Engine engine(kSecond * 1000);
      Os kernel(engine, recorder, profile, cores_);
      Interpreter interpreter(kernel, recorder, profile, InterpreterConfig{switch_interval_}, 0);
      os = &kernel;
      interp = &interpreter;
      for (std::size_t i = 0; i < threads_.size(); ++i) {
        const Tid t = static_cast<Tid>(i);
        kernel.start_thread(0, fmt::format("t{}", t), threads_[i].at, [this, t] {
          interp->gil().take(t);
          threads_[static_cast<std::size_t>(t)].body(t);
          interp->gil().drop_final(t);
        });
      }
      engine.run();
      events = engine.events();
      os = nullptr;
      interp = nullptr;
    });
    host.join();
  }

  MachineProfile profile;
  Recorder recorder;
  Os* os = nullptr;  // while run() runs
  Interpreter* interp = nullptr;
  std::uint64_t events = 0;

 private:
  struct Def {
    Nanos at;
    std::function<void(Tid)> body;
  };
  int cores_;
  Nanos switch_interval_;
  std::vector<Def> threads_;
};

}  // namespace gilsim::test

// A whole world for strategy tests: a scenario, a strategy planned on `cores`, and the main
// process's main thread running `main` (which may build pools and loops like a strategy does).
#include "plan.hpp"
#include "simulate.hpp"
#include "world.hpp"

namespace gilsim::test {

struct WorldRig {
  WorldRig(Scenario s, StrategySpec strategy, int cores, MachineProfile costs = round_profile())
      : scenario(std::move(s)), profile(std::move(costs)),
        program(plan(scenario, strategy, cores)) {}

  void run(std::function<void(World&, PyProcess&, Tid)> main) {
    std::thread host([&] {
      Engine engine(kSecond * 1000);
      Os kernel(engine, recorder, profile, program.cores);
      World world(engine, kernel, recorder, profile, scenario, program);
      InterpreterConfig config;
      config.switch_interval = scenario.switch_interval;
      PyProcess& main_process = world.add_process("MainProcess", config);
      main_process.threading().boot_main([&](Tid t) { main(world, main_process, t); });
      engine.run();
      end = engine.now();
    });
    host.join();
  }

  Scenario scenario;
  MachineProfile profile;
  Program program;
  Recorder recorder;
  Nanos end = 0;
};

}  // namespace gilsim::test
