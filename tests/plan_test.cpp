// sim/plan: defaults by version and machine, and the labels reports name strategies by.
#include "plan.hpp"

#include <doctest/doctest.h>

#include "scenario.hpp"

using namespace gilsim;

namespace {
Program plan_of(const std::string& python, const std::string& strategy, int cores = 4) {
  const Scenario s = parse_scenario(R"({"python": ")" + python +
                                        R"(", "workload": {"tasks": [{"count": 10, "ops": [{"cpu": "1ms"}]}]}, "strategies": [)" +
                                        strategy + "]}",
                                    "test.json");
  return plan(s, s.strategies[0], cores);
}
}  // namespace

TEST_CASE("pools default to CPython's sizes for the simulated cores") {
  CHECK(plan_of("3.11", R"("threads")", 4).workers == 8);     // min(32, cpu_count + 4)
  CHECK(plan_of("3.11", R"("threads")", 64).workers == 32);
  CHECK(plan_of("3.11", R"("processes")", 6).workers == 6);   // os.cpu_count()
  CHECK(plan_of("3.11", R"("asyncio")").workers == 1);
  CHECK(plan_of("3.11", R"({"kind": "asyncio", "to_thread": ["cpu"]})", 4).workers == 8);
  CHECK(plan_of("3.11", R"("serial")").workers == 1);
}

TEST_CASE("the start method defaults to fork up to 3.13 and forkserver from 3.14") {
  CHECK(plan_of("3.13", R"("processes")").start_method == StartMethod::fork);
  CHECK(plan_of("3.14", R"("processes")").start_method == StartMethod::forkserver);
  CHECK(plan_of("3.14t", R"("processes")").start_method == StartMethod::forkserver);
  CHECK(plan_of("3.14", R"({"kind": "processes", "start_method": "spawn"})").start_method ==
        StartMethod::spawn);
}

TEST_CASE("free-threaded runs the matching t build, or 3.14t where a version has none") {
  CHECK(plan_of("3.11", R"("free-threaded")").python == PythonVersion::v3_14t);
  CHECK(plan_of("3.13", R"("free-threaded")").python == PythonVersion::v3_13t);
  CHECK(plan_of("3.14", R"("free-threaded")").python == PythonVersion::v3_14t);
  CHECK(plan_of("3.13t", R"("free-threaded")").python == PythonVersion::v3_13t);
  CHECK(plan_of("3.11", R"({"kind": "free-threaded", "python": "3.13t"})").python ==
        PythonVersion::v3_13t);
  CHECK(plan_of("3.11", R"("threads")").python == PythonVersion::v3_11);
}

TEST_CASE("labels carry the knobs that tell strategies of one kind apart") {
  CHECK(plan_of("3.11", R"("processes")").label == "processes (fork)");
  CHECK(plan_of("3.11", R"({"kind": "processes", "start_method": "spawn", "chunksize": 8,
                            "threads_per_worker": 4})").label ==
        "processes (spawn, chunks of 8, 4 threads each)");
  CHECK(plan_of("3.11", R"("asyncio")").label == "asyncio");
  CHECK(plan_of("3.11", R"({"kind": "asyncio", "concurrency": 50, "to_thread": ["cpu"]})").label ==
        "asyncio + to_thread (50 at once)");
  CHECK(plan_of("3.13", R"("free-threaded")").label == "free-threaded (3.13t)");
  CHECK(plan_of("3.11", R"({"kind": "threads", "workers": 3})").label == "threads");
}

TEST_CASE("every task is submitted, kinds in the scenario's order") {
  const Scenario s = parse_scenario(R"({"workload": {"tasks": [
      {"name": "a", "count": 2, "ops": [{"cpu": "1ms"}]},
      {"name": "b", "count": 3, "ops": [{"io": "1ms"}]}]}, "strategies": ["serial"]})",
                                    "test.json");
  CHECK(plan(s, s.strategies[0], 2).task_kinds == std::vector<int>{0, 0, 1, 1, 1});
}
