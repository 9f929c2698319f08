// Scenario format v1 (docs/scenario-format.md) to gilsim::Scenario. Every rule of the format is
// checked here, in the order a reader meets the fields, and every broken rule is one UserError
// at the JSON pointer of the offending value: what is wrong, quoting the input, and how to fix
// it, with an example. docs/scenario.schema.json states the same rules for editors.
#include "scenario.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "gilsim/error.hpp"
#include "hash.hpp"
#include "json_source.hpp"
#include "units.hpp"

namespace gilsim {
namespace {

using nlohmann::json;
using Pointer = json::json_pointer;
using Keys = std::span<const std::string_view>;

constexpr Nanos kMaxOpDuration = 86'400 * kSecond;  // an op longer than a day is a typo
constexpr Nanos kMaxVirtualTimeLimit = 30 * 86'400 * kSecond;
constexpr std::int64_t kMaxCount = 10'000'000;
constexpr std::int64_t kMaxRepeat = 1'000'000'000;
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;
constexpr std::int64_t kMaxCores = 4096;
constexpr std::int64_t kMaxWorkers = 100'000;
constexpr std::string_view kUntilOthersFinish = "until_others_finish";

// The keys each object allows, in the order docs/scenario-format.md lists them.
constexpr std::array<std::string_view, 12> kScenarioKeys{
    "name",    "description", "seed",       "python",  "switch_interval", "max_virtual_time",
    "import_time", "machine", "workload",   "program", "strategies",      "$schema"};
constexpr std::array<std::string_view, 2> kMachineKeys{"cores", "profile"};
constexpr std::array<std::string_view, 1> kWorkloadKeys{"tasks"};
constexpr std::array<std::string_view, 6> kTaskKeys{"name",      "count",        "repeat",
                                                    "arg_bytes", "result_bytes", "ops"};
constexpr std::array<std::string_view, 1> kProgramKeys{"threads"};
constexpr std::array<std::string_view, 3> kThreadKeys{"name", "ops", "repeat"};
constexpr std::array<OpKind, 5> kOpKinds{OpKind::cpu, OpKind::io, OpKind::native,
                                         OpKind::native_gil, OpKind::subprocess};
constexpr std::array<std::string_view, 5> kOpKeys{"cpu", "io", "native", "native_gil",
                                                  "subprocess"};
constexpr std::array<std::string_view, 3> kDistributionKeys{"fixed", "uniform", "lognormal"};
constexpr std::array<std::string_view, 2> kUniformKeys{"low", "high"};
constexpr std::array<std::string_view, 2> kLognormalKeys{"mean", "cv"};
// Every strategy knob, and which kinds take it.
constexpr std::array<std::string_view, 9> kStrategyKeys{
    "kind",        "workers",     "start_method", "chunksize",      "threads_per_worker",
    "concurrency", "to_thread",   "python",       "shared_fraction"};
constexpr std::array<StrategyKind, 6> kStrategyKinds{
    StrategyKind::serial,  StrategyKind::threads,       StrategyKind::processes,
    StrategyKind::asyncio, StrategyKind::free_threaded, StrategyKind::subinterpreters};
constexpr std::array<std::string_view, 6> kStrategyNames{
    "serial", "threads", "processes", "asyncio", "free-threaded", "subinterpreters"};
constexpr std::array<std::string_view, 3> kStartMethods{"fork", "forkserver", "spawn"};
constexpr std::array<PythonVersion, 7> kPythonVersions{
    PythonVersion::v3_10,  PythonVersion::v3_11, PythonVersion::v3_12, PythonVersion::v3_13,
    PythonVersion::v3_13t, PythonVersion::v3_14, PythonVersion::v3_14t};
constexpr std::array<std::string_view, 7> kPythonNames{"3.10",  "3.11", "3.12", "3.13",
                                                       "3.13t", "3.14", "3.14t"};

constexpr std::string_view kWorkloadExample =
    R"("workload": {"tasks": [{"count": 8, "ops": [{"io": "1s"}]}]})";
constexpr std::string_view kTaskExample = R"({"name": "fetch", "count": 8, "ops": [{"io": "1s"}]})";
constexpr std::string_view kOpExample = R"({"cpu": "1ms"})";
constexpr std::string_view kDistributionExample = R"({"uniform": {"low": "1ms", "high": "3ms"}})";
constexpr std::string_view kUniformExample = R"({"low": "1ms", "high": "3ms"})";
constexpr std::string_view kLognormalExample = R"({"mean": "5ms", "cv": 0.3})";

bool contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// As JSON writes it: "name", with escapes.
std::string json_quote(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// "a", "b" and "c" (conjunction "and" or "or").
std::string quoted_list(Keys words, std::string_view conjunction) {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += i + 1 == words.size() ? " " + std::string(conjunction) + " " : ", ";
    text += json_quote(words[i]);
  }
  return text;
}

// What a value is, for "expected X, found Y".
std::string describe(const json& value) {
  constexpr std::size_t kShownChars = 40;
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::string: {
      std::string text = value.get<std::string>();
      if (text.size() > kShownChars) text = text.substr(0, kShownChars) + "...";
      return "the string " + json_quote(text);
    }
    case json::value_t::array:
      return value.empty() ? "an empty array" : "an array";
    case json::value_t::object:
      return value.empty() ? "an empty object" : "an object";
    default:
      return "the number " + value.dump();
  }
}

// A duration as a scenario would write it: "5ms", "86400s".
std::string duration_literal(Nanos t) {
  std::string text = format_duration(t);
  text.erase(text.find(' '), 1);
  return text;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Optimal string alignment distance, ignoring case: "corse" -> "cores" is 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "did you mean "cores"?" when a candidate is a typo away from `word`, else `otherwise`.
std::string did_you_mean(std::string_view word, Keys candidates, std::string otherwise) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    const std::size_t allowed = std::max(word.size(), candidate.size()) >= 6 ? 2 : 1;
    if (distance <= allowed && (!best || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best ? "did you mean " + json_quote(*best) + "?" : otherwise;
}

const json* member(const json& object, const std::string& key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

OpKind op_kind(std::string_view name) {
  for (std::size_t i = 0; i < kOpKinds.size(); ++i) {
    if (kOpKeys[i] == name) return kOpKinds[i];
  }
  return OpKind::cpu;  // unreachable: check_keys admitted only kOpKeys
}

std::string describe(const StrategySpec& strategy) {
  std::string text = json_quote(to_string(strategy.kind));
  if (strategy.workers) text += " with " + std::to_string(*strategy.workers) + " workers";
  return text;
}

bool has_op(const std::vector<TaskKind>& tasks, std::initializer_list<OpKind> kinds) {
  for (const auto& task : tasks)
    for (const auto& op : task.body.ops)
      if (std::find(kinds.begin(), kinds.end(), op.kind) != kinds.end()) return true;
  return false;
}

// With no "strategies": every strategy that makes sense for this work on this Python.
std::vector<StrategySpec> default_strategies(const Scenario& s) {
  std::vector<StrategySpec> list{{StrategyKind::serial}, {StrategyKind::threads},
                                 {StrategyKind::processes}};
  if (has_op(s.tasks, {OpKind::io, OpKind::subprocess})) list.push_back({StrategyKind::asyncio});
  // Where bytecode is the bottleneck, the GIL-free options are the question.
  if (has_op(s.tasks, {OpKind::cpu, OpKind::native_gil})) {
    if (!is_free_threaded(s.python)) list.push_back({StrategyKind::free_threaded});
    if (s.python >= PythonVersion::v3_12) list.push_back({StrategyKind::subinterpreters});
  }
  return list;
}

class ScenarioParser {
 public:
  explicit ScenarioParser(const JsonSource& source) : source_(source) {}

  Scenario parse() const {
    const json& root = source_.root();
    const Pointer p;
    if (!root.is_object()) {
      fail(p, "expected a scenario object, found " + describe(root),
           "a scenario is a JSON object, e.g. {" + std::string(kWorkloadExample) + "}");
    }
    check_keys(root, p, kScenarioKeys);
    Scenario scenario;
    scenario.source_path = source_.path();
    parse_header(root, scenario);
    if (const json* machine = member(root, "machine")) {
      scenario.machine = parse_machine(*machine, p / "machine");
    }
    parse_work(root, scenario);
    return scenario;
  }

 private:
  [[noreturn]] void fail(const Pointer& p, std::string what, std::string hint) const {
    source_.fail(p, std::move(what), std::move(hint));
  }

  void parse_header(const json& root, Scenario& scenario) const {
    const Pointer p;
    if (const json* schema = member(root, "$schema")) {
      string_value(*schema, p / "$schema", R"("$schema": "../docs/scenario.schema.json")");
    }
    scenario.name = std::filesystem::path(source_.path()).stem().string();
    if (scenario.name.empty()) scenario.name = "scenario";
    if (const json* name = member(root, "name")) {
      scenario.name = name_value(*name, p / "name", R"("name": "io-fetch")");
    }
    if (const json* description = member(root, "description")) {
      scenario.description = string_value(*description, p / "description",
                                          R"("description": "8 threads wait on the network")");
    }
    if (const json* seed = member(root, "seed")) scenario.seed = seed_value(*seed, p / "seed");
    if (const json* python = member(root, "python")) {
      scenario.python = python_version(*python, p / "python");
    }
    if (const json* import = member(root, "import_time")) {
      scenario.import_time = op_nanos(*import, p / "import_time");
    }
    if (const json* interval = member(root, "switch_interval")) {
      scenario.switch_interval = duration(*interval, p / "switch_interval", kMicro, 10 * kSecond,
                                          R"("switch_interval": "5ms")");
    }
    if (const json* limit = member(root, "max_virtual_time")) {
      scenario.max_virtual_time = duration(*limit, p / "max_virtual_time", 1, kMaxVirtualTimeLimit,
                                           R"("max_virtual_time": "3600s")");
    }
  }

  // "workload" with its strategies, or "program" with its one strategy: run as written.
  void parse_work(const json& root, Scenario& scenario) const {
    const Pointer p;
    const json* workload = member(root, "workload");
    const json* program = member(root, "program");
    const json* strategies = member(root, "strategies");
    if (workload && program) {
      source_.fail_key(p / "program", R"(a scenario has "workload" or "program", not both)",
                       R"(keep "workload" to compare strategies on tasks, or "program" to run)"
                       R"( the threads as written)");
    }
    if (!workload && !program) {
      fail(p / "workload", R"(missing key "workload" (or "program"))",
           "add the work to simulate, e.g. " + std::string(kWorkloadExample));
    }
    if (workload) {
      scenario.tasks = parse_workload(*workload, p / "workload");
      scenario.strategies = strategies ? parse_strategies(*strategies, p / "strategies", scenario)
                                       : default_strategies(scenario);
      return;
    }
    if (strategies) {
      source_.fail_key(p / "strategies",
                       R"("strategies" cannot be used with "program": a program runs as written)",
                       R"(remove "strategies", or describe the work as a "workload" to compare)"
                       R"( strategies)");
    }
    scenario.program = parse_program(*program, p / "program");
    scenario.strategies = {StrategySpec(StrategyKind::program)};
  }

  Machine parse_machine(const json& v, const Pointer& p) const {
    expect_object(v, p, R"("machine": {"cores": 4, "profile": "default"})");
    check_keys(v, p, kMachineKeys);
    Machine machine;
    if (const json* cores = member(v, "cores")) {
      machine.cores = static_cast<int>(integer(*cores, p / "cores", 1, kMaxCores, R"("cores": 4)"));
    }
    if (const json* profile = member(v, "profile")) {
      machine.profile = resolve_profile(
          name_value(*profile, p / "profile", R"("profile": "default")"), p / "profile");
    }
    return machine;
  }

  // "default", or a file path relative to the scenario's directory.
  std::string resolve_profile(const std::string& profile, const Pointer& p) const {
    if (profile == "default") return profile;
    std::filesystem::path resolved(profile);
    if (resolved.is_relative()) {
      resolved = std::filesystem::path(source_.path()).parent_path() / resolved;
    }
    resolved = resolved.lexically_normal();
    std::error_code error;
    if (!std::filesystem::is_regular_file(resolved, error)) {
      fail(p,
           "profile " + json_quote(profile) + " is not \"default\" and there is no file " +
               json_quote(resolved.string()),
           R"(use "default", or the path of a profile JSON written by tools/calibrate.py,)"
           R"( relative to this scenario file)");
    }
    return resolved.string();
  }

  std::vector<TaskKind> parse_workload(const json& v, const Pointer& p) const {
    expect_object(v, p, kWorkloadExample);
    check_keys(v, p, kWorkloadKeys);
    const Pointer list = p / "tasks";
    const std::string example = R"("tasks": [)" + std::string(kTaskExample) + "]";
    const json& tasks = non_empty_array(required(v, p, "tasks", example), list,
                                        "a workload needs at least one task", example);
    std::vector<TaskKind> kinds;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      TaskKind task = parse_task(tasks[i], list / i, i);
      check_new_name(kinds, task.name, list, i, "task");
      kinds.push_back(std::move(task));
    }
    return kinds;
  }

  TaskKind parse_task(const json& v, const Pointer& p, std::size_t index) const {
    expect_object(v, p, kTaskExample);
    check_keys(v, p, kTaskKeys);
    TaskKind task;
    task.name = "task" + std::to_string(index);
    if (const json* name = member(v, "name")) {
      task.name = name_value(*name, p / "name", R"("name": "fetch")");
    }
    if (const json* count = member(v, "count")) {
      task.count = integer(*count, p / "count", 1, kMaxCount, R"("count": 8)");
    }
    task.body.ops = parse_ops(v, p, "a task");
    if (const json* repeat = member(v, "repeat")) {
      task.body.repeat = integer(*repeat, p / "repeat", 1, kMaxRepeat, R"("repeat": 10)");
    }
    if (const json* bytes = member(v, "arg_bytes")) {
      task.arg_bytes = integer(*bytes, p / "arg_bytes", 0, kMaxBytes, R"("arg_bytes": 1024)");
    }
    if (const json* bytes = member(v, "result_bytes")) {
      task.result_bytes =
          integer(*bytes, p / "result_bytes", 0, kMaxBytes, R"("result_bytes": 1024)");
    }
    return task;
  }

  std::vector<ThreadSpec> parse_program(const json& v, const Pointer& p) const {
    constexpr std::string_view kExample =
        R"("threads": [{"name": "io", "ops": [{"io": "1ms"}, {"cpu": "20us"}], "repeat": 200}])";
    expect_object(v, p, R"("program": {)" + std::string(kExample) + "}");
    check_keys(v, p, kProgramKeys);
    const Pointer list = p / "threads";
    const json& threads = non_empty_array(required(v, p, "threads", kExample), list,
                                          "a program needs at least one thread", kExample);
    std::vector<ThreadSpec> specs;
    for (std::size_t i = 0; i < threads.size(); ++i) {
      ThreadSpec thread = parse_thread(threads[i], list / i);
      check_new_name(specs, thread.name, list, i, "thread");
      specs.push_back(std::move(thread));
    }
    const bool ends = std::any_of(specs.begin(), specs.end(),
                                  [](const ThreadSpec& t) { return !t.until_others_finish; });
    if (!ends) {
      fail(list, R"(every thread repeats "until_others_finish", so the program would never end)",
           R"(give at least one thread a number of repetitions, e.g. "repeat": 200)");
    }
    return specs;
  }

  ThreadSpec parse_thread(const json& v, const Pointer& p) const {
    expect_object(v, p,
                  R"({"name": "io", "ops": [{"io": "1ms"}, {"cpu": "20us"}], "repeat": 200})");
    check_keys(v, p, kThreadKeys);
    ThreadSpec thread;
    thread.name =
        name_value(required(v, p, "name", R"("name": "io")"), p / "name", R"("name": "io")");
    thread.body.ops = parse_ops(v, p, "a thread");
    if (const json* repeat = member(v, "repeat")) {
      if (repeat->is_string() && repeat->get<std::string>() == kUntilOthersFinish) {
        thread.until_others_finish = true;
      } else {
        thread.body.repeat = thread_repeat(*repeat, p / "repeat");
      }
    }
    return thread;
  }

  std::int64_t thread_repeat(const json& v, const Pointer& p) const {
    if (const auto repeat = integer_in(v, 1, kMaxRepeat)) return *repeat;
    constexpr std::array<std::string_view, 1> kWords{kUntilOthersFinish};
    fail(p,
         "expected an integer from 1 to " + std::to_string(kMaxRepeat) +
             R"( or "until_others_finish", found )" + describe(v),
         v.is_string()
             ? did_you_mean(v.get<std::string>(), kWords, R"(e.g. "repeat": 200)")
             : R"(e.g. "repeat": 200, or "repeat": "until_others_finish" for a thread that loops)"
               R"( while the others run)");
  }

  // Names of tasks (threads) label results and trace tracks: two alike would be ambiguous.
  template <class Named>
  void check_new_name(const std::vector<Named>& earlier, const std::string& name,
                      const Pointer& list, std::size_t index, std::string_view noun) const {
    for (std::size_t i = 0; i < earlier.size(); ++i) {
      if (earlier[i].name != name) continue;
      fail(list / index / "name",
           std::string(noun) + " name " + json_quote(name) + " is already used by " +
               (list / i).to_string(),
           "give each " + std::string(noun) + " its own \"name\", e.g. " + json_quote(name + "-2"));
    }
  }

  std::vector<Op> parse_ops(const json& owner, const Pointer& owner_pointer,
                            std::string_view owner_noun) const {
    constexpr std::string_view kExample = R"("ops": [{"cpu": "1ms"}, {"io": "5ms"}])";
    const Pointer p = owner_pointer / "ops";
    const json& ops = non_empty_array(required(owner, owner_pointer, "ops", kExample), p,
                                      std::string(owner_noun) + " needs at least one op", kExample);
    std::vector<Op> parsed;
    for (std::size_t i = 0; i < ops.size(); ++i) parsed.push_back(parse_op(ops[i], p / i));
    return parsed;
  }

  Op parse_op(const json& v, const Pointer& p) const {
    if (!v.is_object()) {
      fail(p, "expected an op like " + std::string(kOpExample) + ", found " + describe(v),
           "an op is an object with one key: " + quoted_list(kOpKeys, "or"));
    }
    const std::string kind =
        single_key(v, p, kOpKeys, "an op", kOpExample,
                   R"(split it into one op per key, e.g. [{"cpu": "1ms"}, {"io": "5ms"}])");
    return {op_kind(kind), op_duration(v[kind], p / kind)};
  }

  Duration op_duration(const json& v, const Pointer& p) const {
    if (v.is_object()) return distribution(v, p);
    if (!v.is_string() && !v.is_number()) {
      fail(p,
           "expected a duration string like \"5ms\" or a distribution like " +
               std::string(kDistributionExample) + ", found " + describe(v),
           R"(e.g. "5ms", or {"lognormal": {"mean": "5ms", "cv": 0.3}})");
    }
    Duration duration;
    duration.fixed = op_nanos(v, p);
    return duration;
  }

  Duration distribution(const json& v, const Pointer& p) const {
    const std::string shape =
        single_key(v, p, kDistributionKeys, "a distribution", kDistributionExample,
                   R"(keep one, e.g. {"fixed": "5ms"})");
    const json& body = v[shape];
    const Pointer q = p / shape;
    Duration duration;
    if (shape == "fixed") {
      duration.fixed = op_nanos(body, q);
    } else if (shape == "uniform") {
      duration.shape = Duration::Shape::uniform;
      expect_object(body, q, kUniformExample);
      check_keys(body, q, kUniformKeys);
      duration.low = op_nanos(required(body, q, "low", kUniformExample), q / "low");
      duration.high = op_nanos(required(body, q, "high", kUniformExample), q / "high");
      if (duration.low > duration.high) {
        const std::string low = body["low"].get<std::string>();
        const std::string high = body["high"].get<std::string>();
        fail(q / "high",
             "uniform high " + json_quote(high) + " is less than low " + json_quote(low),
             "swap them: {\"low\": " + json_quote(high) + ", \"high\": " + json_quote(low) + "}");
      }
    } else {
      duration.shape = Duration::Shape::lognormal;
      expect_object(body, q, kLognormalExample);
      check_keys(body, q, kLognormalKeys);
      duration.mean = op_nanos(required(body, q, "mean", kLognormalExample), q / "mean");
      if (duration.mean == 0) {
        fail(q / "mean",
             "a lognormal mean must be > 0, found " + json_quote(body["mean"].get<std::string>()),
             R"(e.g. "mean": "5ms"; for a duration that is always 0 use "0ms")");
      }
      duration.cv = coefficient_of_variation(required(body, q, "cv", kLognormalExample), q / "cv");
    }
    return duration;
  }

  double coefficient_of_variation(const json& v, const Pointer& p) const {
    constexpr double kMaxCv = 10;
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > kMaxCv) {
      fail(p, "expected a number from 0 to 10, found " + describe(v),
           R"(e.g. "cv": 0.3, the standard deviation divided by the mean)");
    }
    return v.get<double>();
  }

  // An op's duration: at most a day, or the scenario is surely mistyped.
  Nanos op_nanos(const json& v, const Pointer& p) const {
    const Nanos nanos = duration_value(v, p, R"("5ms")");
    if (nanos > kMaxOpDuration) {
      fail(p,
           "op duration " + json_quote(v.get<std::string>()) + " is absurd: more than " +
               duration_literal(kMaxOpDuration) + " (one day)",
           R"(use at most "86400s"; for longer work, "repeat" the ops)");
    }
    return nanos;
  }

  std::vector<StrategySpec> parse_strategies(const json& v, const Pointer& p,
                                             const Scenario& scenario) const {
    constexpr std::string_view kExample =
        R"("strategies": ["serial", {"kind": "threads", "workers": 8}])";
    const json& items = non_empty_array(v, p, "a scenario needs at least one strategy", kExample);
    std::vector<StrategySpec> strategies;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const StrategySpec strategy = parse_strategy(items[i], p / i, scenario);
      for (std::size_t j = 0; j < strategies.size(); ++j) {
        if (!(strategies[j] == strategy)) continue;
        fail(p / i,
             "duplicate strategy " + describe(strategy) + ": it is already at " +
                 (p / j).to_string(),
             R"(remove one, or compare different knobs, e.g. pool sizes with "workers")");
      }
      strategies.push_back(strategy);
    }
    return strategies;
  }

  StrategySpec parse_strategy(const json& v, const Pointer& p, const Scenario& scenario) const {
    if (v.is_string()) return checked(StrategySpec{strategy_kind(v, p)}, p, scenario);
    if (!v.is_object()) {
      fail(p, "expected a strategy name or object, found " + describe(v),
           R"(e.g. "threads" or {"kind": "threads", "workers": 4})");
    }
    StrategySpec strategy{strategy_kind(required(v, p, "kind", R"("kind": "threads")"), p / "kind")};
    const std::vector<std::string_view> knobs = knobs_of(strategy.kind);
    for (const auto& item : v.items()) {
      if (!contains(kStrategyKeys, item.key())) {
        source_.fail_key(p / item.key(),
                         "unknown key " + json_quote(item.key()) + "; allowed for " +
                             json_quote(to_string(strategy.kind)) + ": " +
                             quoted_list(knobs, "and"),
                         did_you_mean(item.key(), knobs,
                                      "remove it; docs/scenario-format.md lists every knob"));
      }
      if (item.key() != "kind") parse_knob(item.key(), item.value(), p / item.key(), strategy);
    }
    return checked(strategy, p, scenario);
  }

  // The keys a strategy object of this kind may have.
  static std::vector<std::string_view> knobs_of(StrategyKind kind) {
    switch (kind) {
      case StrategyKind::threads:
      case StrategyKind::subinterpreters:
        return {"kind", "workers"};
      case StrategyKind::processes:
        return {"kind", "workers", "start_method", "chunksize", "threads_per_worker"};
      case StrategyKind::asyncio:
        return {"kind", "concurrency", "to_thread"};
      case StrategyKind::free_threaded:
        return {"kind", "workers", "python", "shared_fraction"};
      default:
        return {"kind"};
    }
  }

  // One knob of a strategy object; each applies to some kinds only.
  void parse_knob(const std::string& key, const json& v, const Pointer& p,
                  StrategySpec& strategy) const {
    using K = StrategyKind;
    const K kind = strategy.kind;
    if (key == "workers") {
      only_for(p, {K::threads, K::processes, K::free_threaded, K::subinterpreters}, kind,
               R"({"kind": "threads", "workers": 4})");
      strategy.workers = static_cast<int>(integer(v, p, 1, kMaxWorkers, R"("workers": 4)"));
    } else if (key == "start_method") {
      only_for(p, {K::processes}, kind, R"({"kind": "processes", "start_method": "spawn"})");
      strategy.start_method = start_method(v, p);
    } else if (key == "chunksize") {
      only_for(p, {K::processes}, kind, R"({"kind": "processes", "chunksize": 16})");
      strategy.chunksize = integer(v, p, 1, kMaxCount, R"("chunksize": 16)");
    } else if (key == "threads_per_worker") {
      only_for(p, {K::processes}, kind, R"({"kind": "processes", "threads_per_worker": 8})");
      strategy.threads_per_worker =
          static_cast<int>(integer(v, p, 1, kMaxWorkers, R"("threads_per_worker": 8)"));
    } else if (key == "concurrency") {
      only_for(p, {K::asyncio}, kind, R"({"kind": "asyncio", "concurrency": 100})");
      strategy.concurrency = integer(v, p, 1, kMaxCount, R"("concurrency": 100)");
    } else if (key == "to_thread") {
      only_for(p, {K::asyncio}, kind, R"({"kind": "asyncio", "to_thread": ["cpu"]})");
      strategy.to_thread = op_kind_list(v, p);
    } else if (key == "python") {
      only_for(p, {K::free_threaded}, kind, R"({"kind": "free-threaded", "python": "3.14t"})");
      strategy.python = python_version(v, p);
      if (!is_free_threaded(*strategy.python)) {
        fail(p, "free-threaded needs a free-threaded build (\"3.13t\" or \"3.14t\"), found " +
                    describe(v), R"(e.g. "python": "3.14t")");
      }
    } else {
      only_for(p, {K::free_threaded}, kind, R"({"kind": "free-threaded", "shared_fraction": 0.1})");
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
        fail(p, "expected a number from 0 to 1, found " + describe(v),
             R"(e.g. "shared_fraction": 0.1: a tenth of each cpu op holds one shared lock)");
      }
      strategy.shared_fraction = v.get<double>();
    }
  }

  void only_for(const Pointer& p, std::initializer_list<StrategyKind> kinds, StrategyKind kind,
                std::string_view example) const {
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) return;
    std::vector<std::string_view> names;
    for (StrategyKind k : kinds) names.push_back(to_string(k));
    source_.fail_key(p,
                     json_quote(p.back()) + " applies only to " + quoted_list(names, "and") +
                         ", not to " + json_quote(to_string(kind)),
                     "remove it, or use it like " + std::string(example));
  }

  // What a knob can only say in the light of the whole scenario.
  StrategySpec checked(StrategySpec strategy, const Pointer& p, const Scenario& s) const {
    if (strategy.kind == StrategyKind::subinterpreters && s.python < PythonVersion::v3_12) {
      fail(p, "subinterpreters with their own GIL need Python 3.12 or later (PEP 684); this "
              "scenario runs " + std::string(to_string(s.python)),
           R"(set "python": "3.14" (InterpreterPoolExecutor) or leave this strategy out)");
    }
    return strategy;
  }

  StrategyKind strategy_kind(const json& v, const Pointer& p) const {
    const std::string known = "the known strategies are " + quoted_list(kStrategyNames, "and");
    if (!v.is_string()) {
      fail(p, "expected a strategy name, found " + describe(v), R"(e.g. "threads")");
    }
    const std::string name = v.get<std::string>();
    for (std::size_t i = 0; i < kStrategyNames.size(); ++i)
      if (kStrategyNames[i] == name) return kStrategyKinds[i];
    fail(p, "unknown strategy " + json_quote(name) + "; " + known,
         did_you_mean(name, kStrategyNames, R"(e.g. "strategies": ["serial", "threads"])"));
  }

  StartMethod start_method(const json& v, const Pointer& p) const {
    const std::string name = v.is_string() ? v.get<std::string>() : std::string();
    for (std::size_t i = 0; i < kStartMethods.size(); ++i)
      if (kStartMethods[i] == name) return static_cast<StartMethod>(i);
    fail(p, "expected a start method " + quoted_list(kStartMethods, "or") + ", found " +
                describe(v),
         did_you_mean(name, kStartMethods, R"(e.g. "start_method": "spawn")"));
  }

  PythonVersion python_version(const json& v, const Pointer& p) const {
    if (v.is_string()) {
      const std::string name = v.get<std::string>();
      for (std::size_t i = 0; i < kPythonNames.size(); ++i)
        if (kPythonNames[i] == name) return kPythonVersions[i];
      fail(p, "unknown Python version " + json_quote(name) + "; known: " +
                  quoted_list(kPythonNames, "and"),
           did_you_mean(name, kPythonNames, R"(e.g. "python": "3.12")"));
    }
    fail(p, "expected a Python version string, found " + describe(v),
         v.is_number() ? "quote it: \"" + v.dump() + "\" (a number would read 3.10 as 3.1)"
                       : R"(e.g. "python": "3.12")");
  }

  std::vector<OpKind> op_kind_list(const json& v, const Pointer& p) const {
    constexpr std::string_view kExample = R"("to_thread": ["cpu", "native"])";
    if (!v.is_array()) {
      fail(p, "expected an array of op kinds, found " + describe(v), "e.g. " + std::string(kExample));
    }
    std::vector<OpKind> kinds;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string name = v[i].is_string() ? v[i].get<std::string>() : std::string();
      if (!contains(kOpKeys, name)) {
        fail(p / i, "expected an op kind " + quoted_list(kOpKeys, "or") + ", found " +
                        describe(v[i]),
             did_you_mean(name, kOpKeys, "e.g. " + std::string(kExample)));
      }
      const OpKind kind = op_kind(name);
      if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
        fail(p / i, "op kind " + json_quote(name) + " is listed twice", "list it once");
      }
      kinds.push_back(kind);
    }
    return kinds;
  }

  // Generic readers: each checks the type and range and says what it expected.

  void check_keys(const json& object, const Pointer& p, Keys allowed) const {
    for (const auto& item : object.items()) {
      if (contains(allowed, item.key())) continue;
      source_.fail_key(
          p / item.key(),
          "unknown key " + json_quote(item.key()) +
              "; allowed here: " + quoted_list(allowed, "and"),
          did_you_mean(item.key(), allowed, "remove it; docs/scenario-format.md lists every key"));
    }
  }

  // The one key of an object that must have exactly one of `allowed` (an op, a distribution).
  std::string single_key(const json& v, const Pointer& p, Keys allowed, std::string_view noun,
                         std::string_view example, std::string several_hint) const {
    check_keys(v, p, allowed);
    if (v.size() == 1) return v.begin().key();
    if (v.empty()) {
      fail(p,
           "expected " + std::string(noun) + " with one of " + quoted_list(allowed, "or") +
               ", found an empty object",
           "e.g. " + std::string(example));
    }
    std::vector<std::string_view> keys;
    for (const auto& item : v.items()) keys.push_back(item.key());
    fail(p,
         std::string(noun) + " has exactly one key, found " + std::to_string(keys.size()) + ": " +
             quoted_list(keys, "and"),
         std::move(several_hint));
  }

  void expect_object(const json& v, const Pointer& p, std::string_view example) const {
    if (!v.is_object()) {
      fail(p, "expected an object, found " + describe(v), "e.g. " + std::string(example));
    }
  }

  const json& required(const json& object, const Pointer& p, const std::string& key,
                       std::string_view example) const {
    const json* value = member(object, key);
    if (!value) fail(p / key, "missing key " + json_quote(key), "e.g. " + std::string(example));
    return *value;
  }

  const json& non_empty_array(const json& v, const Pointer& p, const std::string& needs,
                              std::string_view example) const {
    if (!v.is_array()) {
      fail(p, "expected an array, found " + describe(v), "e.g. " + std::string(example));
    }
    if (v.empty()) fail(p, needs + ", found an empty array", "e.g. " + std::string(example));
    return v;
  }

  static std::optional<std::int64_t> integer_in(const json& v, std::int64_t lo, std::int64_t hi) {
    if (v.is_number_unsigned()) {
      const auto value = v.get<std::uint64_t>();
      if (value > static_cast<std::uint64_t>(hi)) return std::nullopt;
      const auto signed_value = static_cast<std::int64_t>(value);
      if (signed_value < lo) return std::nullopt;
      return signed_value;
    }
    if (v.is_number_integer()) {
      const auto value = v.get<std::int64_t>();
      if (value < lo || value > hi) return std::nullopt;
      return value;
    }
    return std::nullopt;
  }

  std::int64_t integer(const json& v, const Pointer& p, std::int64_t lo, std::int64_t hi,
                       std::string_view example) const {
    if (const auto value = integer_in(v, lo, hi)) return *value;
    fail(p,
         "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
             ", found " + describe(v),
         "e.g. " + std::string(example));
  }

  std::uint64_t seed_value(const json& v, const Pointer& p) const {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    fail(p, "expected an integer from 0 to 18446744073709551615, found " + describe(v),
         R"(e.g. "seed": 1)");
  }

  std::string string_value(const json& v, const Pointer& p, std::string_view example) const {
    if (!v.is_string()) {
      fail(p, "expected a string, found " + describe(v), "e.g. " + std::string(example));
    }
    return v.get<std::string>();
  }

  std::string name_value(const json& v, const Pointer& p, std::string_view example) const {
    std::string name = string_value(v, p, example);
    if (name.empty()) {
      fail(p, "expected a non-empty string, found \"\"", "e.g. " + std::string(example));
    }
    return name;
  }

  // A duration string within [lo, hi].
  Nanos duration(const json& v, const Pointer& p, Nanos lo, Nanos hi,
                 std::string_view example) const {
    const Nanos value = duration_value(v, p, example);
    if (value < lo || value > hi) {
      fail(p,
           "duration " + json_quote(v.get<std::string>()) + " is out of range: allowed " +
               duration_literal(lo) + " to " + duration_literal(hi),
           "e.g. " + std::string(example));
    }
    return value;
  }

  // A duration string, any size: kNever when it overflows, for the caller's range check.
  Nanos duration_value(const json& v, const Pointer& p, std::string_view example) const {
    if (v.is_number()) {
      const bool plain = v.is_number_unsigned() || (v.is_number_float() && v.get<double>() >= 0);
      fail(p, "expected a duration string like \"5ms\", found " + describe(v),
           plain ? "add a unit and quotes: \"" + v.dump() + "ms\" (units: ns, us, ms, s)"
                 : R"(add a unit and quotes, e.g. "5ms" (units: ns, us, ms, s))");
    }
    if (!v.is_string()) {
      fail(p, "expected a duration string like \"5ms\", found " + describe(v),
           "e.g. " + std::string(example));
    }
    const std::string& text = v.get_ref<const std::string&>();
    const ParsedDuration parsed = parse_duration_checked(text);
    switch (parsed.problem) {
      case DurationProblem::none:
        return parsed.value;
      case DurationProblem::overflow:
        return kNever;
      case DurationProblem::negative:
        fail(p, "negative duration " + json_quote(text), "a duration is >= 0, e.g. \"5ms\"");
      case DurationProblem::not_whole_ns:
        fail(
            p, "duration " + json_quote(text) + " is not a whole number of nanoseconds",
            "the resolution is 1ns: at most 9 decimals with s, 6 with ms, 3 with us, none with ns");
      case DurationProblem::syntax:
        break;
    }
    fail(p, json_quote(text) + " is not a duration",
         R"(write a number and a unit (ns, us, ms or s), e.g. "5ms", "1.5s" or "200us")");
  }

  const JsonSource& source_;
};

}  // namespace

Scenario load_scenario(const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    throw UserError(path, "cannot read the scenario: it is a directory",
                    "give the path of a scenario file, e.g. scenarios/convoy.json");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UserError(path, std::string("cannot open the scenario: ") + std::strerror(errno),
                    "check the path, e.g. scenarios/convoy.json");
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    throw UserError(path, std::string("cannot read the scenario: ") + std::strerror(errno),
                    "check that the file is readable");
  }
  return parse_scenario(std::move(text), path);
}

Scenario parse_scenario(std::string text, const std::string& path) {
  const std::string hash = fnv1a_hex(text);
  const JsonSource source = JsonSource::parse(std::move(text), path);
  Scenario scenario = ScenarioParser(source).parse();
  scenario.content_hash = hash;
  return scenario;
}

std::string_view to_string(OpKind kind) {
  for (std::size_t i = 0; i < kOpKinds.size(); ++i) {
    if (kOpKinds[i] == kind) return kOpKeys[i];
  }
  return "?";  // unreachable: kOpKinds lists every OpKind
}

std::string_view to_string(StrategyKind kind) {
  for (std::size_t i = 0; i < kStrategyKinds.size(); ++i)
    if (kStrategyKinds[i] == kind) return kStrategyNames[i];
  return "program";  // the one kind a scenario cannot name
}

std::string_view to_string(PythonVersion version) {
  return kPythonNames[static_cast<std::size_t>(version)];
}

std::string_view to_string(StartMethod method) {
  return kStartMethods[static_cast<std::size_t>(method)];
}

}  // namespace gilsim
