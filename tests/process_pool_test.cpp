// ProcessPoolExecutor: start methods, the parent's threads and GIL, pickling, chunks and the
// mixed pipeline. Costs from rig.hpp's round profile (wake-up 10 us, all pool costs 0) plus the
// ones each test sets.
#include "process_pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "rig.hpp"
#include "scenario.hpp"

using namespace gilsim;
using gilsim::test::round_profile;
using gilsim::test::WorldRig;

namespace {
constexpr Nanos us = kMicro;
constexpr Nanos ms = kMilli;

Scenario scenario(const std::string& text) { return parse_scenario(text, "test.json"); }

StrategySpec processes(StartMethod method, int workers) {
  StrategySpec s(StrategyKind::processes);
  s.start_method = method;
  s.workers = workers;
  return s;
}

Nanos last_finish(const test::Recorder& r) {
  Nanos last = 0;
  for (const auto& t : r.tasks) last = std::max(last, t.finished);
  return last;
}

// One 20 ms task on a one-worker pool: when does its result reach the parent?
Nanos first_result(StartMethod method, MachineProfile costs, int cores = 2) {
  WorldRig rig(scenario(R"({"import_time": "5ms", "workload": {"tasks": [{"ops": [{"cpu": "20ms"}]}]}})"),
               processes(method, 1), cores, costs);
  rig.run([](World& world, PyProcess& parent, Tid main) {
    ProcessPoolExecutor pool(world, parent, InterpreterConfig{});
    pool.map(main);
    pool.shutdown(main);
  });
  REQUIRE(rig.recorder.tasks.size() == 1);
  CHECK(rig.recorder.tasks[0].submitted == 0);
  return rig.recorder.tasks[0].finished;
}

}  // namespace

TEST_CASE("a spawn pool's first result arrives after the interpreter starts and imports") {
  MachineProfile costs = round_profile();
  costs.exec_parent = 1 * ms;
  costs.interpreter_startup = 10 * ms;
  // exec 1 ms, the child's wake-up on an idle core 10 us, its start-up 10 ms and import 5 ms,
  // the task 20 ms, and the manager thread's wake-up on the result pipe, 10 us.
  CHECK(first_result(StartMethod::spawn, costs) == 36 * ms + 20 * us);
}

TEST_CASE("a fork pool's first result arrives after the fork, with no import") {
  MachineProfile costs = round_profile();
  costs.fork_parent = 1 * ms;
  costs.fork_child = 2 * ms;
  // fork 1 ms, the child's wake-up on an idle core, its 2 ms, the task, the manager's wake-up.
  CHECK(first_result(StartMethod::fork, costs) == 23 * ms + 20 * us);
}

TEST_CASE("a forked child's TLB shootdowns cost it only when there is another core") {
  MachineProfile costs = round_profile();
  costs.fork_parent = 1 * ms;
  costs.fork_child = 2 * ms;
  MachineProfile shooting = costs;
  shooting.fork_child_shootdowns = 3 * ms;
  // As above, the child's start-up now 2 + 3 ms.
  CHECK(first_result(StartMethod::fork, shooting) == 26 * ms + 20 * us);
  CHECK(first_result(StartMethod::fork, shooting, 1) == first_result(StartMethod::fork, costs, 1));
}

TEST_CASE("a forkserver pool's children wait for the server, which imports once") {
  MachineProfile costs = round_profile();
  costs.exec_parent = 1 * ms;
  costs.forkserver_startup = 10 * ms;
  costs.forkserver_request = 1 * ms;
  costs.forkserver_child = 3 * ms;
  // The server: exec 1 ms, its wake-up 10 us, start-up 10 ms, import 5 ms, ready at
  // 16.01 ms; the request went in at 2 ms; the child starts when the server is ready (+ its
  // 10 us wake-up) and takes 3 ms.
  CHECK(first_result(StartMethod::forkserver, costs) == 16 * ms + 20 * us + 3 * ms + 20 * ms +
                                                            10 * us);
}

// The start times of `workers` 20 ms tasks on a forkserver pool of as many workers, sorted:
// each worker's one task starts when that worker is up. A child's start-up is 8 ms and 7 ns,
// which eight slices do not divide.
std::vector<Nanos> forkserver_task_starts(MachineProfile costs, int cores, int workers) {
  costs.exec_parent = 1 * ms;
  costs.forkserver_startup = 10 * ms;
  costs.forkserver_request = 1 * ms;
  costs.forkserver_child = 8 * ms + 7;
  Scenario s = scenario(R"({"workload": {"tasks": [{"ops": [{"cpu": "20ms"}]}]}})");
  s.tasks[0].count = workers;
  WorldRig rig(s, processes(StartMethod::forkserver, workers), cores, costs);
  rig.run([](World& world, PyProcess& parent, Tid main) {
    ProcessPoolExecutor pool(world, parent, InterpreterConfig{});
    pool.map(main);
    pool.shutdown(main);
  });
  std::vector<Nanos> starts;  // one op a task
  for (const auto& op : rig.recorder.ops) starts.push_back(op.started);
  std::sort(starts.begin(), starts.end());
  return starts;
}

TEST_CASE("forkserver children starting together on two cores slow each other down") {
  MachineProfile quiet = round_profile();
  MachineProfile shooting = quiet;
  shooting.forkserver_child_shootdowns = 8 * ms;
  // Two cores: the server is ready at 11.01 ms and both children (requested at 2 and 3 ms)
  // start side by side, 8 ms each. With a sibling beside it each slice of a start-up (an
  // eighth) takes 1 ms more: the second child's all eight, the first child's last seven (its
  // first slice began before the second child, woken 8 us later, did).
  const std::vector<Nanos> alone = forkserver_task_starts(quiet, 2, 2);
  const std::vector<Nanos> together = forkserver_task_starts(shooting, 2, 2);
  REQUIRE(alone.size() == 2);
  REQUIRE(together.size() == 2);
  CHECK(alone[0] == 19 * ms + 16 * us + 7);
  CHECK(together[0] == alone[0] + 7 * ms);
  CHECK(together[1] == alone[1] + 8 * ms);
  // A lone child has no sibling; one core has no other CPU: neither pays.
  CHECK(forkserver_task_starts(shooting, 2, 1) == forkserver_task_starts(quiet, 2, 1));
  CHECK(forkserver_task_starts(shooting, 1, 2) == forkserver_task_starts(quiet, 1, 2));
}

TEST_CASE("on two cores a forkserver child pays for one sibling at most, however many start") {
  MachineProfile shooting = round_profile();
  shooting.forkserver_child_shootdowns = 8 * ms;
  // Three children on two cores, ready at 11.01 ms: two siblings start beside each, but only
  // one can run beside it. Each start-up is then at most 8 + 8 ms, so on two cores the last
  // is done 32 ms later at most (its own 16 ms and half of the other two's), plus the wake-ups
  // and switches; charged for both siblings each could take 8 + 16 ms.
  const std::vector<Nanos> three = forkserver_task_starts(shooting, 2, 3);
  REQUIRE(three.size() == 3);
  CHECK(three[2] < 11 * ms + 34 * ms);
  CHECK(three[2] > forkserver_task_starts(round_profile(), 2, 3)[2] + 10 * ms);
}

TEST_CASE("the workers are processes of their own, named as multiprocessing names them") {
  WorldRig rig(scenario(R"({"workload": {"tasks": [{"count": 4, "ops": [{"cpu": "1ms"}]}]}})"),
               processes(StartMethod::spawn, 2), 2);
  rig.run([](World& world, PyProcess& parent, Tid main) {
    ProcessPoolExecutor pool(world, parent, InterpreterConfig{});
    pool.map(main);
    pool.shutdown(main);
  });
  CHECK(rig.recorder.processes ==
        std::vector<std::string>{"MainProcess", "SpawnProcess-1", "SpawnProcess-2"});
  CHECK(rig.recorder.gils.size() == 3);  // one GIL per process
  CHECK(rig.recorder.tasks.size() == 4);
}

TEST_CASE("a busy parent delays the results: the manager thread needs the parent's GIL") {
  const Scenario s = scenario(R"({"workload": {"tasks": [{"count": 4, "ops": [{"cpu": "10ms"}]}]}})");
  auto run = [&](bool busy_parent) {
    WorldRig rig(s, processes(StartMethod::fork, 2), 4);
    rig.run([busy_parent](World& world, PyProcess& parent, Tid main) {
      if (busy_parent)  // another thread of the parent runs Python the whole time
        parent.threading().start(main, "spinner", [&](Tid t) {
          parent.interp().run_python(t, 200 * ms);
        });
      ProcessPoolExecutor pool(world, parent, InterpreterConfig{});
      pool.map(main);
      pool.shutdown(main);
    });
    return last_finish(rig.recorder);
  };
  const Nanos idle = run(false);
  const Nanos busy = run(true);
  CHECK(idle < 21 * ms);  // two rounds of 10 ms on two workers, and hand-offs
  // Every step of the parent (submit, the manager, the feeder) waits for a switch interval.
  CHECK(busy >= idle + 5 * ms);
}

TEST_CASE("big arguments make pickling the parent's bottleneck") {
  MachineProfile costs = round_profile();
  costs.pickle_per_mib = 2 * ms;
  costs.pipe_per_mib = 4 * ms;
  costs.receive_per_mib = 2 * ms;
  WorldRig rig(scenario(R"({"workload": {"tasks": [
      {"count": 4, "arg_bytes": 10485760, "ops": [{"cpu": "1ms"}]}]}})"),
               processes(StartMethod::fork, 4), 4, costs);
  rig.run([](World& world, PyProcess& parent, Tid main) {
    ProcessPoolExecutor pool(world, parent, InterpreterConfig{});
    pool.map(main);
    pool.shutdown(main);
  });
  // The feeder pickles (20 ms) and writes (40 ms) each 10 MiB argument in turn; each worker
  // unpickles (20 ms) and runs (1 ms): the last result is 4 x 60 + 21 ms, plus wake-ups.
  const Nanos last = last_finish(rig.recorder);
  CHECK(last >= 261 * ms);
  CHECK(last < 262 * ms);
}

TEST_CASE("a payload's receiver pays receive_per_mib, its sender pickle_per_mib") {
  const Scenario s = scenario(R"({"workload": {"tasks": [
      {"count": 4, "arg_bytes": 10485760, "ops": [{"cpu": "1ms"}]}]}})");
  auto wall = [&](Nanos pickle, Nanos receive) {
    MachineProfile costs = round_profile();
    costs.pickle_per_mib = pickle;
    costs.receive_per_mib = receive;
    return simulate(s, processes(StartMethod::fork, 4), 4, costs).wall;
  };
  // The parent's feeder pickles the four 10 MiB arguments one after another; the four workers
  // receive theirs side by side, so only the last one's receiving adds to the wall time.
  // (Plus a few wake-ups and GIL hand-offs that the feeder's longer turns shift.)
  const Nanos plain = wall(0, 0);
  const Nanos sending = wall(1 * ms, 0) - plain;
  const Nanos receiving = wall(0, 1 * ms) - plain;
  CHECK(sending >= 40 * ms);
  CHECK(sending < 41 * ms);
  CHECK(receiving >= 10 * ms);
  CHECK(receiving < 11 * ms);
}

TEST_CASE("chunks send one message per chunk instead of per task") {
  MachineProfile costs = round_profile();
  costs.process_submit = 20 * us;
  costs.process_dispatch = 15 * us;
  costs.process_result = 20 * us;
  costs.process_worker_task = 15 * us;
  costs.pickle_message = 2 * us;
  costs.pipe_message = 5 * us;
  const Scenario s = scenario(R"({"workload": {"tasks": [{"count": 1000, "ops": [{"cpu": "10us"}]}]}})");
  auto wall = [&](std::int64_t chunksize) {
    StrategySpec strategy = processes(StartMethod::fork, 2);
    strategy.chunksize = chunksize;
    return simulate(s, strategy, 2, costs).wall;
  };
  const Nanos one = wall(1), hundred = wall(100);
  // chunksize 1 pays the parent's ~80 us per task; chunks of 100 run the 10 ms of work on two
  // cores with 10 messages.
  CHECK(one > 60 * ms);
  CHECK(hundred < 8 * ms);
}

TEST_CASE("threads_per_worker runs each chunk on a thread pool inside the worker") {
  const Scenario s = scenario(R"({"workload": {"tasks": [
      {"count": 32, "ops": [{"io": "50ms"}, {"cpu": "1ms"}]}]}})");
  StrategySpec plain = processes(StartMethod::fork, 2);
  StrategySpec pipeline = plain;
  pipeline.chunksize = 16;
  pipeline.threads_per_worker = 16;
  const RunResult a = simulate(s, plain, 2, round_profile());
  const RunResult b = simulate(s, pipeline, 2, round_profile());
  // Plain: 16 tasks per worker, one after another, 51 ms each. Pipeline: each worker's 16 I/O
  // waits overlap; its 16 ms of Python take turns on the worker's own GIL.
  CHECK(a.wall >= 16 * 51 * ms);
  CHECK(b.wall < 75 * ms);
  const bool has_pool_thread = std::any_of(b.threads.begin(), b.threads.end(), [&](const auto& t) {
    return b.processes[static_cast<std::size_t>(t.pid)] == "ForkProcess-1" &&
           t.name == "ThreadPoolExecutor-0_15";
  });
  CHECK(has_pool_thread);
}

TEST_CASE("four CPU-heavy tasks on a four-core process pool run about four times faster") {
  const Scenario s = scenario(R"({"workload": {"tasks": [{"count": 4, "ops": [{"cpu": "1s"}]}]}})");
  const RunResult serial = simulate(s, StrategySpec(StrategyKind::serial), 4, default_profile());
  const RunResult pool = simulate(s, processes(StartMethod::fork, 4), 4, default_profile());
  const double speedup = static_cast<double>(serial.wall) / static_cast<double>(pool.wall);
  CHECK(speedup > 3.8);  // 4x less the forks and their start-up
  CHECK(speedup < 4.0);
}
