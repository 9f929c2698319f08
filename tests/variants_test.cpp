// The changed scenarios `gilsim explain` re-simulates: exact scaling, words, and which knobs.
#include "variants.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "scenario.hpp"

using namespace gilsim;

namespace {

Setup setup(const char* text, int cores = 4) { return {parse_scenario(text, "test.json"), cores}; }

const char* kTasks = R"({"workload": {"tasks": [{"count": 2, "ops": [
    {"cpu": "3ms"}, {"io": {"uniform": {"low": "1ms", "high": "7ms"}}}, {"cpu": "1us"}]}]}})";

}  // namespace

TEST_CASE("scaling one kind of op scales only those ops, exactly") {
  const Setup base = setup(kTasks);
  const Setup more_io = apply({Change::What::io, 3, 1}, base);
  const auto& ops = more_io.scenario.tasks[0].body.ops;
  CHECK(ops[0].duration.fixed == 3 * kMilli);
  CHECK(ops[1].duration.low == 3 * kMilli);
  CHECK(ops[1].duration.high == 21 * kMilli);
  const Setup less_python = apply({Change::What::python, 1, 3}, base);
  CHECK(less_python.scenario.tasks[0].body.ops[0].duration.fixed == 1 * kMilli);
  CHECK(less_python.scenario.tasks[0].body.ops[2].duration.fixed == 333);  // 1 us / 3, in ns
  CHECK(less_python.scenario.tasks[0].body.ops[1].duration.high == 7 * kMilli);
}

TEST_CASE("cores and switch interval change the machine, within bounds") {
  const Setup base = setup(kTasks, 4);
  CHECK(apply({Change::What::cores, 8, 1}, base).cores == 32);
  CHECK(apply({Change::What::cores, 1, 8}, base).cores == 1);
  CHECK(apply({Change::What::switch_interval, 1, 5}, base).scenario.switch_interval == kMilli);
}

TEST_CASE("a change says what it is") {
  const Setup base = setup(kTasks, 4);
  CHECK(describe({Change::What::io, 3, 1}, base) == "3x more I/O per task");
  CHECK(describe({Change::What::python, 1, 2}, base) == "1/2 the Python per task");
  CHECK(describe({Change::What::cores, 1, 4}, base) == "1 core instead of 4");
  CHECK(describe({Change::What::cores, 2, 1}, base) == "8 cores instead of 4");
  CHECK(describe({Change::What::switch_interval, 1, 5}, base) ==
        "a 1 ms switch interval instead of 5 ms");
  const Setup program =
      setup(R"({"program": {"threads": [{"name": "a", "ops": [{"io": "1ms"}]}]}})");
  CHECK(describe({Change::What::io, 2, 1}, program) == "2x more I/O per thread");
}

TEST_CASE("only knobs that can matter get a ladder, smallest step first") {
  const auto all = ladders(setup(kTasks, 1));
  bool native = false, fewer_cores = false;
  for (const auto& ladder : all) {
    REQUIRE_FALSE(ladder.empty());
    native |= ladder.front().what == Change::What::native;
    fewer_cores |= ladder.front().what == Change::What::cores && ladder.front().den > 1;
    auto size = [](const Change& c) {
      return std::log(static_cast<double>(c.num) / static_cast<double>(c.den));
    };
    for (std::size_t i = 1; i < ladder.size(); ++i) {
      CHECK(ladder[i].what == ladder[0].what);
      CHECK(size(ladder[i]) * size(ladder[0]) > 0);                      // one direction
      CHECK(std::abs(size(ladder[i])) > std::abs(size(ladder[i - 1])));  // growing
    }
  }
  CHECK_FALSE(native);       // no native ops
  CHECK_FALSE(fewer_cores);  // one core already
}
