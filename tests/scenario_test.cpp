// sim/scenario: format v1 to Scenario. Good documents parse to exact values; every rule broken
// gives its exact message: FILE:LINE:COL and JSON pointer, what is wrong, and the hint.
#include "scenario.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gilsim/error.hpp"

using namespace gilsim;

namespace {

const std::string kPath = "dir/s.json";

Scenario parse(const std::string& text) { return parse_scenario(text, kPath); }

UserError parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const UserError& e) {
    return e;
  }
  FAIL("parsed without error: " << text);
  return UserError("", "");
}

void check_error(const UserError& e, const std::string& where, const std::string& what,
                 const std::string& hint) {
  CHECK(e.where == where);
  CHECK(e.what_wrong == what);
  CHECK(e.hint == hint);
}

// Documents around the piece under test, so its column is easy to read off:
// with_op puts the op at column 34, with_task the task at 25, with_program the thread list at
// 25, with_strategies the strategy list at 68, with_machine the machine object at 65.
std::string with_op(const std::string& op) {
  return R"({"workload": {"tasks": [{"ops": [)" + op + "]}]}}";
}
std::string with_task(const std::string& task) {
  return R"({"workload": {"tasks": [)" + task + "]}}";
}
std::string with_program(const std::string& threads) {
  return R"({"program": {"threads": )" + threads + "}}";
}
const std::string kWorkload = R"({"workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]})";
std::string with_strategies(const std::string& strategies) {
  return kWorkload + R"(, "strategies": )" + strategies + "}";
}
std::string with_machine(const std::string& machine) {
  return kWorkload + R"(, "machine": )" + machine + "}";
}
// A top-level field before the workload: its value starts at column 4 + len(key) + 2.
std::string with_field(const std::string& key, const std::string& value) {
  return R"({")" + key + R"(": )" + value + ", " + kWorkload.substr(1) + "}";
}

bool same_duration(const Duration& a, const Duration& b) {
  return a.shape == b.shape && a.fixed == b.fixed && a.low == b.low && a.high == b.high &&
         a.mean == b.mean && a.cv == b.cv;
}

Duration fixed(Nanos t) {
  Duration d;
  d.fixed = t;
  return d;
}

// A scratch directory for file-based tests, removed at the end of the test.
// A fresh directory per use: ctest runs test cases in parallel processes, and other checkouts
// may run theirs at the same time.
struct TempDir {
  TempDir()
      : path(std::filesystem::temp_directory_path() /
             ("gilsim_scenario_test_" + std::to_string(::getpid()) + "_" + std::to_string(next()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::filesystem::path path;

 private:
  static int next() {
    static int count = 0;
    return count++;
  }
};

}  // namespace

// Good documents.

TEST_CASE("a minimal workload gets every default") {
  const std::string text = R"({"workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]}})";
  const Scenario s = parse(text);
  CHECK(s.name == "s");
  CHECK(s.description.empty());
  CHECK(s.source_path == "dir/s.json");
  CHECK(s.content_hash == "7ffed09962f13ffd");
  CHECK(s.seed == 1);
  CHECK(s.switch_interval == 5 * kMilli);
  CHECK(s.max_virtual_time == 3600 * kSecond);
  CHECK(s.machine.cores == 4);
  CHECK(s.machine.profile == "default");
  REQUIRE(s.tasks.size() == 1);
  CHECK(s.tasks[0].name == "task0");
  CHECK(s.tasks[0].count == 1);
  CHECK(s.tasks[0].body.repeat == 1);
  CHECK(s.tasks[0].arg_bytes == 0);
  CHECK(s.tasks[0].result_bytes == 0);
  REQUIRE(s.tasks[0].body.ops.size() == 1);
  CHECK(s.tasks[0].body.ops[0].kind == OpKind::cpu);
  CHECK(same_duration(s.tasks[0].body.ops[0].duration, fixed(kMilli)));
  CHECK(s.program.empty());
  CHECK(s.python == PythonVersion::v3_11);
  CHECK(s.import_time == 0);
  REQUIRE(s.strategies.size() == 4);  // serial, threads, processes, free-threaded: see below
  CHECK(s.strategies[0].kind == StrategyKind::serial);
  CHECK_FALSE(s.strategies[0].workers);
  CHECK(s.strategies[1].kind == StrategyKind::threads);
  CHECK_FALSE(s.strategies[1].workers);
}

TEST_CASE("every field of a workload parses to its exact value") {
  const Scenario s = parse(R"({
    "name": "seed-io-fetch",
    "description": "8 threads each wait 1 s",
    "seed": 18446744073709551615,
    "switch_interval": "0.5ms",
    "max_virtual_time": "2592000s",
    "machine": {"cores": 4096, "profile": "default"},
    "workload": {"tasks": [
      {"name": "fetch", "count": 10000000, "repeat": 1000000000, "arg_bytes": 1099511627776,
       "result_bytes": 7,
       "ops": [{"io": "1s"}, {"cpu": "200us"}, {"native": "86400s"}, {"native_gil": "0ns"}]},
      {"ops": [{"cpu": "1ns"}]}
    ]},
    "strategies": ["serial", "threads", {"kind": "threads", "workers": 100000},
                   {"kind": "threads", "workers": 1}]
  })");
  CHECK(s.name == "seed-io-fetch");
  CHECK(s.description == "8 threads each wait 1 s");
  CHECK(s.seed == 18446744073709551615u);
  CHECK(s.switch_interval == 500 * kMicro);
  CHECK(s.max_virtual_time == 2'592'000 * kSecond);
  CHECK(s.machine.cores == 4096);
  REQUIRE(s.tasks.size() == 2);
  const TaskKind& fetch = s.tasks[0];
  CHECK(fetch.name == "fetch");
  CHECK(fetch.count == 10'000'000);
  CHECK(fetch.body.repeat == 1'000'000'000);
  CHECK(fetch.arg_bytes == Bytes{1} << 40);
  CHECK(fetch.result_bytes == 7);
  REQUIRE(fetch.body.ops.size() == 4);
  CHECK(fetch.body.ops[0].kind == OpKind::io);
  CHECK(same_duration(fetch.body.ops[0].duration, fixed(kSecond)));
  CHECK(fetch.body.ops[1].kind == OpKind::cpu);
  CHECK(same_duration(fetch.body.ops[1].duration, fixed(200 * kMicro)));
  CHECK(fetch.body.ops[2].kind == OpKind::native);
  CHECK(same_duration(fetch.body.ops[2].duration, fixed(86'400 * kSecond)));
  CHECK(fetch.body.ops[3].kind == OpKind::native_gil);
  CHECK(same_duration(fetch.body.ops[3].duration, fixed(0)));
  CHECK(s.tasks[1].name == "task1");
  REQUIRE(s.strategies.size() == 4);
  CHECK(s.strategies[0].kind == StrategyKind::serial);
  CHECK(s.strategies[1].kind == StrategyKind::threads);
  CHECK_FALSE(s.strategies[1].workers);
  CHECK(s.strategies[2].kind == StrategyKind::threads);
  CHECK(s.strategies[2].workers == 100'000);
  CHECK(s.strategies[3].workers == 1);
}

TEST_CASE("distributions parse to their shape and parameters") {
  const Scenario s = parse(with_op(R"({"cpu": {"fixed": "5ms"}}, )"
                                   R"({"io": {"uniform": {"low": "1ms", "high": "3.5ms"}}}, )"
                                   R"({"native": {"uniform": {"low": "2us", "high": "2us"}}}, )"
                                   R"({"native_gil": {"lognormal": {"mean": "5ms", "cv": 0.3}}}, )"
                                   R"({"cpu": {"lognormal": {"mean": "1ns", "cv": 0}}}, )"
                                   R"({"cpu": {"lognormal": {"mean": "86400s", "cv": 10}}})"));
  const auto& ops = s.tasks[0].body.ops;
  REQUIRE(ops.size() == 6);
  CHECK(same_duration(ops[0].duration, fixed(5 * kMilli)));
  Duration uniform;
  uniform.shape = Duration::Shape::uniform;
  uniform.low = kMilli;
  uniform.high = 3'500 * kMicro;
  CHECK(same_duration(ops[1].duration, uniform));
  uniform.low = uniform.high = 2 * kMicro;
  CHECK(same_duration(ops[2].duration, uniform));
  Duration lognormal;
  lognormal.shape = Duration::Shape::lognormal;
  lognormal.mean = 5 * kMilli;
  lognormal.cv = 0.3;
  CHECK(same_duration(ops[3].duration, lognormal));
  lognormal.mean = 1;
  lognormal.cv = 0;
  CHECK(same_duration(ops[4].duration, lognormal));
  lognormal.mean = 86'400 * kSecond;
  lognormal.cv = 10;
  CHECK(same_duration(ops[5].duration, lognormal));
}

TEST_CASE("a program parses its threads and gets the one program strategy") {
  const Scenario s = parse(R"({"program": {"threads": [
      {"name": "spinner", "ops": [{"cpu": "1ms"}], "repeat": "until_others_finish"},
      {"name": "io", "ops": [{"io": "1ms"}, {"cpu": "20us"}], "repeat": 200},
      {"name": "once", "ops": [{"native": "3ms"}]}]}})");
  CHECK(s.tasks.empty());
  REQUIRE(s.program.size() == 3);
  CHECK(s.program[0].name == "spinner");
  CHECK(s.program[0].until_others_finish);
  CHECK(s.program[0].body.repeat == 1);
  REQUIRE(s.program[0].body.ops.size() == 1);
  CHECK(s.program[0].body.ops[0].kind == OpKind::cpu);
  CHECK(s.program[1].name == "io");
  CHECK_FALSE(s.program[1].until_others_finish);
  CHECK(s.program[1].body.repeat == 200);
  REQUIRE(s.program[1].body.ops.size() == 2);
  CHECK(s.program[1].body.ops[0].kind == OpKind::io);
  CHECK(same_duration(s.program[1].body.ops[1].duration, fixed(20 * kMicro)));
  CHECK(s.program[2].body.repeat == 1);
  CHECK_FALSE(s.program[2].until_others_finish);
  REQUIRE(s.strategies.size() == 1);
  CHECK(s.strategies[0].kind == StrategyKind::program);
  CHECK_FALSE(s.strategies[0].workers);
}

TEST_CASE("the $schema key is accepted and ignored") {
  const Scenario s = parse(with_field("$schema", R"("../docs/scenario.schema.json")"));
  CHECK(s.tasks.size() == 1);
}

TEST_CASE("the name defaults to the file's stem") {
  CHECK(parse_scenario(kWorkload + "}", "a/b/convoy.v2.json").name == "convoy.v2");
  CHECK(parse_scenario(kWorkload + "}", "").name == "scenario");
}

TEST_CASE("the content hash is FNV-1a 64 of the exact bytes") {
  CHECK(parse(kWorkload + "}").content_hash == "7ffed09962f13ffd");
  CHECK(parse(kWorkload + "}\n").content_hash != "7ffed09962f13ffd");
}

TEST_CASE("a relative profile path is resolved against the scenario's directory") {
  TempDir dir;
  dir.write("hosts/laptop.json", "{}");
  const std::string path = dir.write(
      "scenarios/s.json", kWorkload + R"(, "machine": {"profile": "../hosts/laptop.json"}})");
  CHECK(load_scenario(path).machine.profile == (dir.path / "hosts/laptop.json").string());
}

TEST_CASE("an absolute profile path is kept") {
  TempDir dir;
  const std::string profile = dir.write("laptop.json", "{}");
  CHECK(parse(with_machine(R"({"profile": ")" + profile + R"("})")).machine.profile == profile);
}

TEST_CASE("load_scenario reads the file and hashes its bytes") {
  TempDir dir;
  const std::string path = dir.write("x.json", kWorkload + "}");
  const Scenario s = load_scenario(path);
  CHECK(s.name == "x");
  CHECK(s.source_path == path);
  CHECK(s.content_hash == "7ffed09962f13ffd");
}

TEST_CASE("the bundled seed-io-fetch scenario parses to 8 tasks of 1 s I/O and 200 us CPU") {
  const Scenario s = load_scenario(GILSIM_SOURCE_DIR "/scenarios/seed-io-fetch.json");
  CHECK(s.name == "seed-io-fetch");
  CHECK(s.machine.cores == 4);
  REQUIRE(s.tasks.size() == 1);
  CHECK(s.tasks[0].count == 8);
  REQUIRE(s.tasks[0].body.ops.size() == 2);
  CHECK(s.tasks[0].body.ops[0].kind == OpKind::io);
  CHECK(same_duration(s.tasks[0].body.ops[0].duration, fixed(kSecond)));
  CHECK(s.tasks[0].body.ops[1].kind == OpKind::cpu);
  CHECK(same_duration(s.tasks[0].body.ops[1].duration, fixed(200 * kMicro)));
  REQUIRE(s.strategies.size() == 2);
  CHECK(s.strategies[0].kind == StrategyKind::serial);
  CHECK(s.strategies[1].kind == StrategyKind::threads);
  CHECK(s.strategies[1].workers == 8);
}

TEST_CASE("every bundled scenario loads, named after its file, with a description") {
  int loaded = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(GILSIM_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().string());
    const Scenario s = load_scenario(entry.path().string());
    CHECK(s.name == entry.path().stem().string());
    CHECK_FALSE(s.description.empty());
    ++loaded;
  }
  CHECK(loaded >= 6);
}

TEST_CASE("to_string spells kinds as scenario files do") {
  CHECK(to_string(OpKind::cpu) == "cpu");
  CHECK(to_string(OpKind::io) == "io");
  CHECK(to_string(OpKind::native) == "native");
  CHECK(to_string(OpKind::native_gil) == "native_gil");
  CHECK(to_string(StrategyKind::serial) == "serial");
  CHECK(to_string(StrategyKind::threads) == "threads");
  CHECK(to_string(StrategyKind::program) == "program");
}

// Files.

TEST_CASE("a missing scenario file is an error naming the path") {
  check_error(
      [] {
        try {
          load_scenario("no/such/file.json");
        } catch (const UserError& e) {
          return e;
        }
        return UserError("", "");
      }(),
      "no/such/file.json", "cannot open the scenario: No such file or directory",
      "check the path, e.g. scenarios/convoy.json");
}

TEST_CASE("a directory given as the scenario is an error naming it") {
  TempDir dir;
  try {
    load_scenario(dir.path.string());
    FAIL("loaded a directory");
  } catch (const UserError& e) {
    check_error(e, dir.path.string(), "cannot read the scenario: it is a directory",
                "give the path of a scenario file, e.g. scenarios/convoy.json");
  }
}

// JSON-level errors come through JsonSource with the file's name and position.

TEST_CASE("a JSON syntax error names the file, line and column") {
  check_error(parse_error("{\n  \"seed\": 1,\n}"), "dir/s.json:3:1",
              "invalid JSON: unexpected '}', expected a string in double quotes",
              "remove the comma before it: JSON allows no trailing comma");
}

TEST_CASE("a duplicate key is an error") {
  check_error(parse_error(R"({"seed": 1, "seed": 2})"), "dir/s.json:1:13: /seed",
              "duplicate key \"seed\": it is already set at dir/s.json:1:2",
              "remove one of the two; JSON keeps only one value per key");
}

// The top level.

TEST_CASE("a document that is not an object is an error") {
  check_error(parse_error("[1]"), "dir/s.json:1:1", "expected a scenario object, found an array",
              R"(a scenario is a JSON object, e.g. {"workload": )"
              R"({"tasks": [{"count": 8, "ops": [{"io": "1s"}]}]}})");
}

TEST_CASE("an unknown key close to a known one gets a did-you-mean hint") {
  check_error(parse_error(with_field("switch_intervall", R"("5ms")")),
              "dir/s.json:1:2: /switch_intervall",
              R"(unknown key "switch_intervall"; allowed here: "name", "description", "seed", )"
              R"("python", "switch_interval", "max_virtual_time", "import_time", "machine", )"
              R"("workload", "program", )"
              R"("strategies" and "$schema")",
              R"(did you mean "switch_interval"?)");
}

TEST_CASE("an unknown key far from every known one is an error without a guess") {
  check_error(parse_error(with_field("threads", "4")), "dir/s.json:1:2: /threads",
              R"(unknown key "threads"; allowed here: "name", "description", "seed", )"
              R"("python", "switch_interval", "max_virtual_time", "import_time", "machine", )"
              R"("workload", "program", )"
              R"("strategies" and "$schema")",
              "remove it; docs/scenario-format.md lists every key");
}

TEST_CASE("the did-you-mean hint ignores case") {
  check_error(parse_error(with_machine(R"({"Cores": 2})")), "dir/s.json:1:66: /machine/Cores",
              R"(unknown key "Cores"; allowed here: "cores" and "profile")",
              R"(did you mean "cores"?)");
}

TEST_CASE("a scenario without workload or program is an error") {
  check_error(parse_error(R"({"seed": 2})"), "dir/s.json:1:1: /workload",
              R"(missing key "workload" (or "program"))",
              R"(add the work to simulate, e.g. "workload": )"
              R"({"tasks": [{"count": 8, "ops": [{"io": "1s"}]}]})");
}

TEST_CASE("a scenario with both workload and program is an error at program") {
  check_error(parse_error(R"({"workload": {}, "program": {}})"), "dir/s.json:1:18: /program",
              R"(a scenario has "workload" or "program", not both)",
              R"(keep "workload" to compare strategies on tasks, )"
              R"(or "program" to run the threads as written)");
}

TEST_CASE("a name must be a non-empty string") {
  check_error(parse_error(with_field("name", "7")), "dir/s.json:1:10: /name",
              "expected a string, found the number 7", R"(e.g. "name": "io-fetch")");
  check_error(parse_error(with_field("name", R"("")")), "dir/s.json:1:10: /name",
              R"(expected a non-empty string, found "")", R"(e.g. "name": "io-fetch")");
}

TEST_CASE("a description must be a string") {
  check_error(parse_error(with_field("description", "null")), "dir/s.json:1:17: /description",
              "expected a string, found null",
              R"(e.g. "description": "8 threads wait on the network")");
}

TEST_CASE("a seed must be an integer from 0 to 2^64-1") {
  const std::string what = "expected an integer from 0 to 18446744073709551615, found ";
  check_error(parse_error(with_field("seed", "-1")), "dir/s.json:1:10: /seed",
              what + "the number -1", R"(e.g. "seed": 1)");
  check_error(parse_error(with_field("seed", "1.5")), "dir/s.json:1:10: /seed",
              what + "the number 1.5", R"(e.g. "seed": 1)");
  check_error(parse_error(with_field("seed", "18446744073709551616")), "dir/s.json:1:10: /seed",
              what + "the number 1.8446744073709552e+19", R"(e.g. "seed": 1)");
  check_error(parse_error(with_field("seed", R"("1")")), "dir/s.json:1:10: /seed",
              what + R"(the string "1")", R"(e.g. "seed": 1)");
}

// Durations, on switch_interval (its value starts at column 21).

TEST_CASE("a bare number as a duration is an error with a hint to add a unit") {
  check_error(parse_error(with_field("switch_interval", "5")), "dir/s.json:1:21: /switch_interval",
              R"(expected a duration string like "5ms", found the number 5)",
              R"(add a unit and quotes: "5ms" (units: ns, us, ms, s))");
  check_error(parse_error(with_field("switch_interval", "-2")), "dir/s.json:1:21: /switch_interval",
              R"(expected a duration string like "5ms", found the number -2)",
              R"(add a unit and quotes, e.g. "5ms" (units: ns, us, ms, s))");
}

TEST_CASE("a duration of the wrong type is an error") {
  check_error(parse_error(with_field("switch_interval", "[]")), "dir/s.json:1:21: /switch_interval",
              R"(expected a duration string like "5ms", found an empty array)",
              R"(e.g. "switch_interval": "5ms")");
}

TEST_CASE("a malformed duration string is an error") {
  check_error(parse_error(with_field("switch_interval", R"("5 sec")")),
              "dir/s.json:1:21: /switch_interval", R"("5 sec" is not a duration)",
              R"(write a number and a unit (ns, us, ms or s), e.g. "5ms", "1.5s" or "200us")");
}

TEST_CASE("a negative duration is an error") {
  check_error(parse_error(with_field("switch_interval", R"("-5ms")")),
              "dir/s.json:1:21: /switch_interval", R"(negative duration "-5ms")",
              R"(a duration is >= 0, e.g. "5ms")");
}

TEST_CASE("a duration finer than a nanosecond is an error") {
  check_error(
      parse_error(with_field("switch_interval", R"("0.5ns")")), "dir/s.json:1:21: /switch_interval",
      R"(duration "0.5ns" is not a whole number of nanoseconds)",
      "the resolution is 1ns: at most 9 decimals with s, 6 with ms, 3 with us, none with ns");
}

TEST_CASE("switch_interval must be from 1us to 10s") {
  CHECK(parse(with_field("switch_interval", R"("1us")")).switch_interval == kMicro);
  CHECK(parse(with_field("switch_interval", R"("10s")")).switch_interval == 10 * kSecond);
  for (const char* bad : {R"("999ns")", R"("10.000000001s")", R"("99999999999999999999s")"}) {
    CAPTURE(bad);
    check_error(parse_error(with_field("switch_interval", bad)),
                "dir/s.json:1:21: /switch_interval",
                "duration " + std::string(bad) + " is out of range: allowed 1us to 10s",
                R"(e.g. "switch_interval": "5ms")");
  }
}

TEST_CASE("max_virtual_time must be more than 0 and at most 30 days") {
  CHECK(parse(with_field("max_virtual_time", R"("1ns")")).max_virtual_time == 1);
  for (const char* bad : {R"("0s")", R"("2592000.000000001s")"}) {
    CAPTURE(bad);
    check_error(parse_error(with_field("max_virtual_time", bad)),
                "dir/s.json:1:22: /max_virtual_time",
                "duration " + std::string(bad) + " is out of range: allowed 1ns to 2592000s",
                R"(e.g. "max_virtual_time": "3600s")");
  }
}

// The machine (its object starts at column 65).

TEST_CASE("machine must be an object") {
  check_error(parse_error(with_machine("4")), "dir/s.json:1:65: /machine",
              "expected an object, found the number 4",
              R"(e.g. "machine": {"cores": 4, "profile": "default"})");
}

TEST_CASE("an unknown machine key gets a did-you-mean hint") {
  check_error(parse_error(with_machine(R"({"corse": 4})")), "dir/s.json:1:66: /machine/corse",
              R"(unknown key "corse"; allowed here: "cores" and "profile")",
              R"(did you mean "cores"?)");
}

TEST_CASE("cores must be an integer from 1 to 4096") {
  for (const char* bad : {"0", "4097", "4.0", R"("4")"}) {
    CAPTURE(bad);
    const std::string found = bad[0] == '"' ? "the string \"4\"" : "the number " + std::string(bad);
    check_error(parse_error(with_machine(R"({"cores": )" + std::string(bad) + "}")),
                "dir/s.json:1:75: /machine/cores",
                "expected an integer from 1 to 4096, found " + found, R"(e.g. "cores": 4)");
  }
  CHECK(parse(with_machine(R"({"cores": 1})")).machine.cores == 1);
}

TEST_CASE("a profile that is neither default nor an existing file is an error") {
  check_error(parse_error(with_machine(R"({"profile": "laptop"})")),
              "dir/s.json:1:77: /machine/profile",
              R"(profile "laptop" is not "default" and there is no file "dir/laptop")",
              R"(use "default", or the path of a profile JSON written by tools/calibrate.py, )"
              "relative to this scenario file");
}

TEST_CASE("an empty profile is an error") {
  check_error(parse_error(with_machine(R"({"profile": ""})")), "dir/s.json:1:77: /machine/profile",
              R"(expected a non-empty string, found "")", R"(e.g. "profile": "default")");
}

// The workload.

TEST_CASE("a workload must be an object with tasks") {
  check_error(parse_error(R"({"workload": []})"), "dir/s.json:1:14: /workload",
              "expected an object, found an empty array",
              R"(e.g. "workload": {"tasks": [{"count": 8, "ops": [{"io": "1s"}]}]})");
  check_error(parse_error(R"({"workload": {}})"), "dir/s.json:1:14: /workload/tasks",
              R"(missing key "tasks")",
              R"(e.g. "tasks": [{"name": "fetch", "count": 8, "ops": [{"io": "1s"}]}])");
}

TEST_CASE("tasks must be a non-empty array") {
  check_error(parse_error(R"({"workload": {"tasks": {}}})"), "dir/s.json:1:24: /workload/tasks",
              "expected an array, found an empty object",
              R"(e.g. "tasks": [{"name": "fetch", "count": 8, "ops": [{"io": "1s"}]}])");
  check_error(parse_error(R"({"workload": {"tasks": []}})"), "dir/s.json:1:24: /workload/tasks",
              "a workload needs at least one task, found an empty array",
              R"(e.g. "tasks": [{"name": "fetch", "count": 8, "ops": [{"io": "1s"}]}])");
}

TEST_CASE("a task must be an object") {
  check_error(parse_error(with_task(R"("fetch")")), "dir/s.json:1:25: /workload/tasks/0",
              R"(expected an object, found the string "fetch")",
              R"(e.g. {"name": "fetch", "count": 8, "ops": [{"io": "1s"}]})");
}

TEST_CASE("an unknown task key gets a did-you-mean hint") {
  check_error(parse_error(with_task(R"({"ops": [{"cpu": "1ms"}], "repeats": 2})")),
              "dir/s.json:1:51: /workload/tasks/0/repeats",
              R"(unknown key "repeats"; allowed here: "name", "count", "repeat", "arg_bytes", )"
              R"("result_bytes" and "ops")",
              R"(did you mean "repeat"?)");
}

TEST_CASE("a task's count must be from 1 to 10,000,000") {
  for (const char* bad : {"0", "10000001"}) {
    CAPTURE(bad);
    check_error(parse_error(with_task(R"({"count": )" + std::string(bad) +
                                      R"(, "ops": [{"cpu": "1ms"}]})")),
                "dir/s.json:1:35: /workload/tasks/0/count",
                "expected an integer from 1 to 10000000, found the number " + std::string(bad),
                R"(e.g. "count": 8)");
  }
}

TEST_CASE("a task's repeat must be from 1 to 1,000,000,000") {
  check_error(parse_error(with_task(R"({"repeat": 0, "ops": [{"cpu": "1ms"}]})")),
              "dir/s.json:1:36: /workload/tasks/0/repeat",
              "expected an integer from 1 to 1000000000, found the number 0",
              R"(e.g. "repeat": 10)");
  check_error(
      parse_error(with_task(R"({"repeat": "until_others_finish", "ops": [{"cpu": "1ms"}]})")),
      "dir/s.json:1:36: /workload/tasks/0/repeat",
      R"(expected an integer from 1 to 1000000000, found the string "until_others_finish")",
      R"(e.g. "repeat": 10)");
}

TEST_CASE("arg_bytes and result_bytes must be from 0 to 2^40") {
  check_error(parse_error(with_task(R"({"arg_bytes": -1, "ops": [{"cpu": "1ms"}]})")),
              "dir/s.json:1:39: /workload/tasks/0/arg_bytes",
              "expected an integer from 0 to 1099511627776, found the number -1",
              R"(e.g. "arg_bytes": 1024)");
  check_error(parse_error(with_task(R"({"result_bytes": 1099511627777, "ops": [{"cpu": "1ms"}]})")),
              "dir/s.json:1:42: /workload/tasks/0/result_bytes",
              "expected an integer from 0 to 1099511627776, found the number 1099511627777",
              R"(e.g. "result_bytes": 1024)");
}

TEST_CASE("a task without ops, or with none, is an error") {
  check_error(parse_error(with_task(R"({"count": 2})")), "dir/s.json:1:25: /workload/tasks/0/ops",
              R"(missing key "ops")", R"(e.g. "ops": [{"cpu": "1ms"}, {"io": "5ms"}])");
  check_error(parse_error(with_task(R"({"ops": []})")), "dir/s.json:1:33: /workload/tasks/0/ops",
              "a task needs at least one op, found an empty array",
              R"(e.g. "ops": [{"cpu": "1ms"}, {"io": "5ms"}])");
}

TEST_CASE("two tasks with the same name are an error") {
  check_error(parse_error(with_task(R"({"name": "a", "ops": [{"cpu": "1ms"}]}, )"
                                    R"({"name": "a", "ops": [{"cpu": "1ms"}]})")),
              "dir/s.json:1:74: /workload/tasks/1/name",
              R"(task name "a" is already used by /workload/tasks/0)",
              R"(give each task its own "name", e.g. "a-2")");
}

TEST_CASE("a given name that equals a default name is a duplicate at the unnamed task") {
  check_error(parse_error(with_task(R"({"name": "task1", "ops": [{"cpu": "1ms"}]}, )"
                                    R"({"ops": [{"cpu": "1ms"}]})")),
              "dir/s.json:1:69: /workload/tasks/1/name",
              R"(task name "task1" is already used by /workload/tasks/0)",
              R"(give each task its own "name", e.g. "task1-2")");
}

// Ops (with_op puts the op at column 34).

TEST_CASE("an op must be an object") {
  check_error(parse_error(with_op(R"("cpu")")), "dir/s.json:1:34: /workload/tasks/0/ops/0",
              R"(expected an op like {"cpu": "1ms"}, found the string "cpu")",
              R"(an op is an object with one key: "cpu", "io", "native", "native_gil" or "subprocess")");
}

TEST_CASE("an op with an unknown kind gets a did-you-mean hint") {
  check_error(parse_error(with_op(R"({"cpus": "1ms"})")),
              "dir/s.json:1:35: /workload/tasks/0/ops/0/cpus",
              R"(unknown key "cpus"; allowed here: "cpu", "io", "native", "native_gil" and "subprocess")",
              R"(did you mean "cpu"?)");
  check_error(parse_error(with_op(R"({"nativegil": "1ms"})")),
              "dir/s.json:1:35: /workload/tasks/0/ops/0/nativegil",
              R"(unknown key "nativegil"; allowed here: "cpu", "io", "native", "native_gil" and "subprocess")",
              R"(did you mean "native_gil"?)");
}

TEST_CASE("an empty op is an error") {
  check_error(
      parse_error(with_op("{}")), "dir/s.json:1:34: /workload/tasks/0/ops/0",
      R"(expected an op with one of "cpu", "io", "native", "native_gil" or "subprocess", found an empty object)",
      R"(e.g. {"cpu": "1ms"})");
}

TEST_CASE("an op with two kinds is an error") {
  check_error(parse_error(with_op(R"({"io": "2ms", "cpu": "1ms"})")),
              "dir/s.json:1:34: /workload/tasks/0/ops/0",
              R"(an op has exactly one key, found 2: "cpu" and "io")",
              R"(split it into one op per key, e.g. [{"cpu": "1ms"}, {"io": "5ms"}])");
}

TEST_CASE("an op duration of the wrong type is an error") {
  check_error(parse_error(with_op(R"({"io": true})")),
              "dir/s.json:1:41: /workload/tasks/0/ops/0/io",
              R"(expected a duration string like "5ms" or a distribution like )"
              R"({"uniform": {"low": "1ms", "high": "3ms"}}, found true)",
              R"(e.g. "5ms", or {"lognormal": {"mean": "5ms", "cv": 0.3}})");
}

TEST_CASE("an op duration as a bare number is an error with a hint to add a unit") {
  check_error(parse_error(with_op(R"({"cpu": 1.5})")),
              "dir/s.json:1:42: /workload/tasks/0/ops/0/cpu",
              R"(expected a duration string like "5ms", found the number 1.5)",
              R"(add a unit and quotes: "1.5ms" (units: ns, us, ms, s))");
}

TEST_CASE("an op longer than a day is absurd") {
  for (const char* bad : {R"("86400.000000001s")", R"("99999999999999999999s")"}) {
    CAPTURE(bad);
    check_error(parse_error(with_op(R"({"cpu": )" + std::string(bad) + "}")),
                "dir/s.json:1:42: /workload/tasks/0/ops/0/cpu",
                "op duration " + std::string(bad) + " is absurd: more than 86400s (one day)",
                R"(use at most "86400s"; for longer work, "repeat" the ops)");
  }
}

// Distributions.

TEST_CASE("a distribution with an unknown shape is an error") {
  check_error(parse_error(with_op(R"({"cpu": {"normal": {}}})")),
              "dir/s.json:1:43: /workload/tasks/0/ops/0/cpu/normal",
              R"(unknown key "normal"; allowed here: "fixed", "uniform" and "lognormal")",
              "remove it; docs/scenario-format.md lists every key");
}

TEST_CASE("an empty distribution is an error") {
  check_error(parse_error(with_op(R"({"cpu": {}})")),
              "dir/s.json:1:42: /workload/tasks/0/ops/0/cpu",
              R"(expected a distribution with one of "fixed", "uniform" or "lognormal", )"
              "found an empty object",
              R"(e.g. {"uniform": {"low": "1ms", "high": "3ms"}})");
}

TEST_CASE("a distribution with two shapes is an error") {
  check_error(parse_error(with_op(R"({"cpu": {"fixed": "1ms", "uniform": {}}})")),
              "dir/s.json:1:42: /workload/tasks/0/ops/0/cpu",
              R"(a distribution has exactly one key, found 2: "fixed" and "uniform")",
              R"(keep one, e.g. {"fixed": "5ms"})");
}

TEST_CASE("a fixed distribution is checked like a plain duration") {
  check_error(parse_error(with_op(R"({"cpu": {"fixed": "100000s"}})")),
              "dir/s.json:1:52: /workload/tasks/0/ops/0/cpu/fixed",
              R"(op duration "100000s" is absurd: more than 86400s (one day))",
              R"(use at most "86400s"; for longer work, "repeat" the ops)");
}

TEST_CASE("a uniform distribution needs an object with low and high") {
  check_error(parse_error(with_op(R"({"cpu": {"uniform": "1ms"}})")),
              "dir/s.json:1:54: /workload/tasks/0/ops/0/cpu/uniform",
              R"(expected an object, found the string "1ms")",
              R"(e.g. {"low": "1ms", "high": "3ms"})");
  check_error(parse_error(with_op(R"({"cpu": {"uniform": {"low": "1ms"}}})")),
              "dir/s.json:1:54: /workload/tasks/0/ops/0/cpu/uniform/high", R"(missing key "high")",
              R"(e.g. {"low": "1ms", "high": "3ms"})");
}

TEST_CASE("a uniform low above high is an error with the swap as the fix") {
  check_error(parse_error(with_op(R"({"cpu": {"uniform": {"low": "3ms", "high": "1ms"}}})")),
              "dir/s.json:1:77: /workload/tasks/0/ops/0/cpu/uniform/high",
              R"(uniform high "1ms" is less than low "3ms")",
              R"(swap them: {"low": "1ms", "high": "3ms"})");
}

TEST_CASE("a lognormal mean must be more than 0") {
  check_error(parse_error(with_op(R"({"cpu": {"lognormal": {"mean": "0ms", "cv": 1}}})")),
              "dir/s.json:1:65: /workload/tasks/0/ops/0/cpu/lognormal/mean",
              R"(a lognormal mean must be > 0, found "0ms")",
              R"(e.g. "mean": "5ms"; for a duration that is always 0 use "0ms")");
}

TEST_CASE("a lognormal cv must be a number from 0 to 10") {
  for (const char* bad : {"-0.1", "10.5", R"("0.3")"}) {
    CAPTURE(bad);
    const std::string found =
        bad[0] == '"' ? R"(the string "0.3")" : "the number " + std::string(bad);
    check_error(parse_error(with_op(R"({"cpu": {"lognormal": {"mean": "1ms", "cv": )" +
                                    std::string(bad) + "}}}")),
                "dir/s.json:1:78: /workload/tasks/0/ops/0/cpu/lognormal/cv",
                "expected a number from 0 to 10, found " + found,
                R"(e.g. "cv": 0.3, the standard deviation divided by the mean)");
  }
}

TEST_CASE("a lognormal without cv is an error") {
  check_error(parse_error(with_op(R"({"cpu": {"lognormal": {"mean": "1ms"}}})")),
              "dir/s.json:1:56: /workload/tasks/0/ops/0/cpu/lognormal/cv", R"(missing key "cv")",
              R"(e.g. {"mean": "5ms", "cv": 0.3})");
}

// The program (its thread list starts at column 25).

TEST_CASE("a program needs a non-empty list of threads") {
  check_error(parse_error(R"({"program": {}})"), "dir/s.json:1:13: /program/threads",
              R"(missing key "threads")",
              R"(e.g. "threads": [{"name": "io", )"
              R"("ops": [{"io": "1ms"}, {"cpu": "20us"}], "repeat": 200}])");
  check_error(parse_error(with_program("[]")), "dir/s.json:1:25: /program/threads",
              "a program needs at least one thread, found an empty array",
              R"(e.g. "threads": [{"name": "io", )"
              R"("ops": [{"io": "1ms"}, {"cpu": "20us"}], "repeat": 200}])");
}

TEST_CASE("a program's thread needs a non-empty name") {
  check_error(parse_error(with_program(R"([{"ops": [{"cpu": "1ms"}]}])")),
              "dir/s.json:1:26: /program/threads/0/name", R"(missing key "name")",
              R"(e.g. "name": "io")");
  check_error(parse_error(with_program(R"([{"name": "", "ops": [{"cpu": "1ms"}]}])")),
              "dir/s.json:1:35: /program/threads/0/name",
              R"(expected a non-empty string, found "")", R"(e.g. "name": "io")");
}

TEST_CASE("two threads with the same name are an error") {
  check_error(parse_error(with_program(R"([{"name": "io", "ops": [{"cpu": "1ms"}]}, )"
                                       R"({"name": "io", "ops": [{"cpu": "1ms"}]}])")),
              "dir/s.json:1:76: /program/threads/1/name",
              R"(thread name "io" is already used by /program/threads/0)",
              R"(give each thread its own "name", e.g. "io-2")");
}

TEST_CASE("a thread's repeat must be a count or until_others_finish") {
  const std::string what =
      R"(expected an integer from 1 to 1000000000 or "until_others_finish", found )";
  check_error(parse_error(with_program(R"([{"name": "a", "ops": [{"cpu": "1ms"}], "repeat": 0}])")),
              "dir/s.json:1:75: /program/threads/0/repeat", what + "the number 0",
              R"(e.g. "repeat": 200, or "repeat": "until_others_finish" for a thread that loops )"
              "while the others run");
  check_error(parse_error(with_program(
                  R"([{"name": "a", "ops": [{"cpu": "1ms"}], "repeat": "until_other_finish"}])")),
              "dir/s.json:1:75: /program/threads/0/repeat",
              what + R"(the string "until_other_finish")",
              R"(did you mean "until_others_finish"?)");
  check_error(
      parse_error(with_program(R"([{"name": "a", "ops": [{"cpu": "1ms"}], "repeat": "forever"}])")),
      "dir/s.json:1:75: /program/threads/0/repeat", what + R"(the string "forever")",
      R"(e.g. "repeat": 200)");
}

TEST_CASE("a program whose threads all repeat until the others finish is an error") {
  check_error(parse_error(with_program(
                  R"([{"name": "a", "ops": [{"cpu": "1ms"}], "repeat": "until_others_finish"}])")),
              "dir/s.json:1:25: /program/threads",
              R"(every thread repeats "until_others_finish", so the program would never end)",
              R"(give at least one thread a number of repetitions, e.g. "repeat": 200)");
}

TEST_CASE("strategies with a program are an error") {
  check_error(parse_error(R"({"program": {"threads": [{"name": "a", "ops": [{"cpu": "1ms"}]}]}, )"
                          R"("strategies": ["serial"]})"),
              "dir/s.json:1:68: /strategies",
              R"("strategies" cannot be used with "program": a program runs as written)",
              R"(remove "strategies", or describe the work as a "workload" to compare strategies)");
}

// Strategies (their list starts at column 68).

TEST_CASE("strategies must be a non-empty array") {
  const std::string example = R"(e.g. "strategies": ["serial", {"kind": "threads", "workers": 8}])";
  check_error(parse_error(with_strategies(R"("threads")")), "dir/s.json:1:68: /strategies",
              R"(expected an array, found the string "threads")", example);
  check_error(parse_error(with_strategies("[]")), "dir/s.json:1:68: /strategies",
              "a scenario needs at least one strategy, found an empty array", example);
}

TEST_CASE("an unknown strategy name gets a did-you-mean hint") {
  check_error(parse_error(with_strategies(R"(["thread"])")), "dir/s.json:1:69: /strategies/0",
              R"(unknown strategy "thread"; the known strategies are "serial", "threads", "processes", "asyncio", )"
              R"("free-threaded" and "subinterpreters")",
              R"(did you mean "threads"?)");
  check_error(parse_error(with_strategies(R"(["gevent"])")), "dir/s.json:1:69: /strategies/0",
              R"(unknown strategy "gevent"; the known strategies are "serial", "threads", "processes", "asyncio", )"
              R"("free-threaded" and "subinterpreters")",
              R"(e.g. "strategies": ["serial", "threads"])");
}

TEST_CASE("every strategy kind parses by name and as an object") {
  const Scenario s = parse(with_strategies(
      R"(["serial", "threads", "processes", "asyncio", "free-threaded", )"
      R"({"kind": "processes", "start_method": "spawn", "chunksize": 4, "threads_per_worker": 8},)"
      R"({"kind": "asyncio", "concurrency": 10, "to_thread": ["cpu", "native"]},)"
      R"({"kind": "free-threaded", "python": "3.13t", "shared_fraction": 0.25, "workers": 3}])"));
  REQUIRE(s.strategies.size() == 8);
  CHECK(s.strategies[2].kind == StrategyKind::processes);
  CHECK(s.strategies[3].kind == StrategyKind::asyncio);
  CHECK(s.strategies[4].kind == StrategyKind::free_threaded);
  CHECK(s.strategies[5].start_method == StartMethod::spawn);
  CHECK(s.strategies[5].chunksize == 4);
  CHECK(s.strategies[5].threads_per_worker == 8);
  CHECK(s.strategies[6].concurrency == 10);
  CHECK(s.strategies[6].to_thread == std::vector<OpKind>{OpKind::cpu, OpKind::native});
  CHECK(s.strategies[7].python == PythonVersion::v3_13t);
  CHECK(s.strategies[7].shared_fraction == 0.25);
  CHECK(s.strategies[7].workers == 3);
}

TEST_CASE("a knob of another kind is an error naming the kinds it applies to") {
  check_error(parse_error(with_strategies(R"([{"kind": "threads", "start_method": "fork"}])")),
              "dir/s.json:1:89: /strategies/0/start_method",
              R"("start_method" applies only to "processes", not to "threads")",
              R"(remove it, or use it like {"kind": "processes", "start_method": "spawn"})");
  check_error(parse_error(with_strategies(R"([{"kind": "asyncio", "workers": 4}])")),
              "dir/s.json:1:89: /strategies/0/workers",
              R"("workers" applies only to "threads", "processes", "free-threaded" and )"
              R"("subinterpreters", not to "asyncio")",
              R"(remove it, or use it like {"kind": "threads", "workers": 4})");
}

TEST_CASE("bad strategy knob values are errors with an example") {
  check_error(
      parse_error(with_strategies(R"([{"kind": "processes", "start_method": "vfork"}])")),
      "dir/s.json:1:107: /strategies/0/start_method",
      R"(expected a start method "fork", "forkserver" or "spawn", found the string "vfork")",
      R"(did you mean "fork"?)");
  check_error(parse_error(with_strategies(R"([{"kind": "asyncio", "to_thread": ["cpu", "gpu"]}])")),
              "dir/s.json:1:110: /strategies/0/to_thread/1",
              R"(expected an op kind "cpu", "io", "native", "native_gil" or "subprocess", found )"
              R"(the string "gpu")",
              R"(did you mean "cpu"?)");
  check_error(parse_error(with_strategies(R"([{"kind": "free-threaded", "python": "3.12"}])")),
              "dir/s.json:1:105: /strategies/0/python",
              R"(free-threaded needs a free-threaded build ("3.13t" or "3.14t"), found the )"
              R"(string "3.12")",
              R"(e.g. "python": "3.14t")");
  check_error(
      parse_error(with_strategies(R"([{"kind": "free-threaded", "shared_fraction": 1.5}])")),
      "dir/s.json:1:114: /strategies/0/shared_fraction",
      "expected a number from 0 to 1, found the number 1.5",
      R"(e.g. "shared_fraction": 0.1: a tenth of each cpu op holds one shared lock)");
}

TEST_CASE("the python version is a quoted known version") {
  CHECK(parse(with_field("python", R"("3.13t")")).python == PythonVersion::v3_13t);
  CHECK(parse(kWorkload + "}").python == PythonVersion::v3_11);
  check_error(parse_error(with_field("python", "3.12")), "dir/s.json:1:12: /python",
              "expected a Python version string, found the number 3.12",
              R"(quote it: "3.12" (a number would read 3.10 as 3.1))");
  check_error(parse_error(with_field("python", R"("3.9")")), "dir/s.json:1:12: /python",
              R"(unknown Python version "3.9"; known: "3.10", "3.11", "3.12", "3.13", "3.13t", )"
              R"("3.14" and "3.14t")",
              R"(e.g. "python": "3.12")");
}

TEST_CASE("subinterpreters need Python 3.12 or later") {
  check_error(parse_error(with_strategies(R"(["subinterpreters"])")),
              "dir/s.json:1:69: /strategies/0",
              R"(subinterpreters with their own GIL need Python 3.12 or later (PEP 684); this )"
              R"(scenario runs 3.11)",
              R"(set "python": "3.14" (InterpreterPoolExecutor) or leave this strategy out)");
  const Scenario s = parse(R"({"python": "3.14", )" + kWorkload.substr(1) +
                           R"(, "strategies": ["subinterpreters"]})");
  CHECK(s.strategies[0].kind == StrategyKind::subinterpreters);
}

TEST_CASE("without strategies, every strategy that makes sense for the work is compared") {
  using K = StrategyKind;
  auto kinds = [](const Scenario& s) {
    std::vector<K> out;
    for (const auto& st : s.strategies) out.push_back(st.kind);
    return out;
  };
  // Pure Python on 3.11: no event loop to gain from, no subinterpreters before 3.12.
  CHECK(kinds(parse(kWorkload + "}")) ==
        std::vector<K>{K::serial, K::threads, K::processes, K::free_threaded});
  // Waiting only: asyncio, and no GIL-free options (nothing for them to speed up).
  CHECK(kinds(parse(with_op(R"({"io": "1ms"})"))) ==
        std::vector<K>{K::serial, K::threads, K::processes, K::asyncio});
  // 3.14 with Python work: subinterpreters too.
  CHECK(kinds(parse(R"({"python": "3.14", )" + kWorkload.substr(1) + "}")) ==
        std::vector<K>{K::serial, K::threads, K::processes, K::free_threaded,
                       K::subinterpreters});
  // On a free-threaded build threads already have no GIL.
  CHECK(kinds(parse(R"({"python": "3.14t", )" + kWorkload.substr(1) + "}")) ==
        std::vector<K>{K::serial, K::threads, K::processes, K::subinterpreters});
}

TEST_CASE("import_time and the subprocess op parse") {
  const Scenario s = parse(R"({"import_time": "150ms", )" +
                           with_op(R"({"subprocess": "20ms"})").substr(1));
  CHECK(s.import_time == 150 * kMilli);
  CHECK(s.tasks[0].body.ops[0].kind == OpKind::subprocess);
  CHECK(s.tasks[0].body.ops[0].duration.fixed == 20 * kMilli);
}

TEST_CASE("a strategy of the wrong type is an error") {
  check_error(parse_error(with_strategies("[4]")), "dir/s.json:1:69: /strategies/0",
              "expected a strategy name or object, found the number 4",
              R"(e.g. "threads" or {"kind": "threads", "workers": 4})");
  check_error(parse_error(with_strategies(R"([{"kind": 1}])")),
              "dir/s.json:1:78: /strategies/0/kind", "expected a strategy name, found the number 1",
              R"(e.g. "threads")");
}

TEST_CASE("a strategy object needs a kind") {
  check_error(parse_error(with_strategies(R"([{"workers": 2}])")),
              "dir/s.json:1:69: /strategies/0/kind", R"(missing key "kind")",
              R"(e.g. "kind": "threads")");
}

TEST_CASE("an unknown strategy key gets a did-you-mean hint") {
  check_error(parse_error(with_strategies(R"([{"kind": "threads", "worker": 2}])")),
              "dir/s.json:1:89: /strategies/0/worker",
              R"(unknown key "worker"; allowed for "threads": "kind" and "workers")",
              R"(did you mean "workers"?)");
}

TEST_CASE("workers with serial is an error") {
  check_error(parse_error(with_strategies(R"([{"kind": "serial", "workers": 2}])")),
              "dir/s.json:1:88: /strategies/0/workers",
              R"("workers" applies only to "threads", "processes", "free-threaded" and )"
              R"("subinterpreters", not to "serial")",
              R"(remove it, or use it like {"kind": "threads", "workers": 4})");
}

TEST_CASE("workers must be from 1 to 100000") {
  for (const char* bad : {"0", "100001"}) {
    CAPTURE(bad);
    check_error(parse_error(with_strategies(R"([{"kind": "threads", "workers": )" +
                                            std::string(bad) + "}]")),
                "dir/s.json:1:100: /strategies/0/workers",
                "expected an integer from 1 to 100000, found the number " + std::string(bad),
                R"(e.g. "workers": 4)");
  }
}

TEST_CASE("the same strategy twice is an error") {
  const std::string hint = R"(remove one, or compare different knobs, e.g. pool sizes with "workers")";
  check_error(parse_error(with_strategies(R"(["threads", {"kind": "threads"}])")),
              "dir/s.json:1:80: /strategies/1",
              R"(duplicate strategy "threads": it is already at /strategies/0)", hint);
  check_error(parse_error(with_strategies(R"(["serial", {"kind": "serial"}])")),
              "dir/s.json:1:79: /strategies/1",
              R"(duplicate strategy "serial": it is already at /strategies/0)", hint);
  check_error(parse_error(with_strategies(R"([{"kind": "threads", "workers": 4}, "serial", )"
                                          R"({"kind": "threads", "workers": 4}])")),
              "dir/s.json:1:114: /strategies/2",
              R"(duplicate strategy "threads" with 4 workers: it is already at /strategies/0)",
              hint);
}

TEST_CASE("threads with and without workers are different strategies") {
  const Scenario s = parse(with_strategies(R"(["threads", {"kind": "threads", "workers": 4}])"));
  REQUIRE(s.strategies.size() == 2);
  CHECK_FALSE(s.strategies[0].workers);
  CHECK(s.strategies[1].workers == 4);
}
