// The command line (CLI11): parses arguments and calls the modules, nothing else.
// Exit codes (conventions.md): 0 ok, 2 bad usage or input, 1 a bug.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "gilsim/error.hpp"
#include "explain.hpp"
#include "output.hpp"
#include "plan.hpp"
#include "profile.hpp"
#include "recording.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "simulate.hpp"
#include "sweep_cli.hpp"
#include "units.hpp"

namespace {

using namespace gilsim;

// What `run` and `explain` both take: the scenario and the machine to run it on.
struct MachineOptions {
  std::string scenario;
  int cores = 0;  // 0: the scenario's
  std::string profile;
  std::string switch_interval;
};

struct RunOptions {
  MachineOptions machine;
  std::string format = "table";
  std::string output = "-";
  bool per_thread = true;
  RecordingOptions recording;
};

Nanos parse_option_duration(const std::string& option, const std::string& text) {
  const auto parsed = parse_duration(text);
  if (!parsed || *parsed <= 0)
    throw UserError(option, fmt::format("\"{}\" is not a positive duration", text),
                    "write a number and a unit, e.g. 5ms, 100us or 0.5s");
  return *parsed;
}

void add_machine_options(CLI::App* command, MachineOptions& o) {
  command->add_option("scenario", o.scenario, "Scenario file (JSON)")->required();
  command->add_option("--cores", o.cores, "Cores of the simulated machine "
                      "(default: the scenario's machine.cores)")->check(CLI::Range(1, 4096));
  command->add_option("--profile", o.profile, "Machine profile file "
                      "(default: the scenario's machine.profile)");
  command->add_option("--switch-interval", o.switch_interval,
                      "sys.setswitchinterval, e.g. 1ms (default: the scenario's)");
}

struct Machine {
  Scenario scenario;
  MachineProfile profile;
  int cores = 1;
};

Machine load_machine(const MachineOptions& o) {
  Machine m{load_scenario(o.scenario), {}, 1};
  if (!o.switch_interval.empty()) {
    // The scenario format's range (sim/scenario.cpp): sweeps and runs accept the same values.
    const Nanos interval = parse_option_duration("--switch-interval", o.switch_interval);
    if (interval < kMicro || interval > 10 * kSecond)
      throw UserError("--switch-interval",
                      fmt::format("\"{}\" is out of range: allowed 1us to 10s", o.switch_interval),
                      "CPython's default is 5ms; sys.setswitchinterval takes microseconds");
    m.scenario.switch_interval = interval;
  }
  m.profile = resolve_profile(o.profile.empty() ? m.scenario.machine.profile : o.profile);
  m.cores = o.cores > 0 ? o.cores : m.scenario.machine.cores;
  return m;
}

int run(const RunOptions& o) {
  const auto [scenario, profile, cores] = load_machine(o.machine);
  RunReport report;
  report.scenario = &scenario;
  report.profile_name = profile.name;
  report.cores = cores;
  std::vector<StrategySpec> runs = scenario.strategies;
  const bool baseline = !scenario.tasks.empty() &&
                        std::none_of(runs.begin(), runs.end(), [](const StrategySpec& s) {
                          return s.kind == StrategyKind::serial;
                        });
  if (baseline) runs.emplace_back();  // serial, for the speed-ups
  Recording recording(o.recording, scenario, runs, report.cores, profile.name);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunResult result = simulate(scenario, runs[i], report.cores, profile, recording.start(i));
    recording.finish(i, result);
    if (runs[i].kind == StrategyKind::serial) report.serial = result;
    if (!(baseline && i + 1 == runs.size())) report.results.push_back(std::move(result));
  }
  recording.commit();
  const std::string text = o.format == "json"  ? format_json(report)
                           : o.format == "csv" ? format_csv(report)
                                               : format_table(report, o.per_thread);
  write_output(o.output, text);
  return 0;
}

struct ExplainOptions {
  MachineOptions machine;
  std::string output = "-";
};

int explain(const ExplainOptions& o) {
  const Machine m = load_machine(o.machine);
  write_output(o.output, explain(m.scenario, m.profile, m.cores));
  return 0;
}

int check(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    const Scenario s = load_scenario(file);
    std::int64_t tasks = 0;
    for (const auto& t : s.tasks) tasks += t.count;
    std::string strategies;
    for (const auto& st : s.strategies)
      strategies += fmt::format("{}{}", strategies.empty() ? "" : ", ",
                                plan(s, st, s.machine.cores).label);
    resolve_profile(s.machine.profile);
    std::cout << fmt::format("{}: ok: \"{}\", {} on {} cores, Python {}, strategies: {}\n", file,
                             s.name,
                             s.program.empty() ? fmt::format("{} tasks", tasks)
                                               : fmt::format("{} threads", s.program.size()),
                             s.machine.cores, to_string(s.python), strategies);
  }
  return 0;
}

int show_profile(const std::string& path, const std::string& format) {
  const MachineProfile profile = resolve_profile(path.empty() ? "default" : path);
  if (format == "json") {
    std::string out = fmt::format("{{\n  \"name\": \"{}\",\n  \"params\": {{\n", profile.name);
    const auto& params = profile_params();
    for (std::size_t i = 0; i < params.size(); ++i)
      out += fmt::format("    \"{}\": \"{}\"{}\n", params[i].name,
                         format_param(profile, params[i]), i + 1 < params.size() ? "," : "");
    std::cout << out << "  }\n}\n";
    return 0;
  }
  std::size_t width = 0;
  for (const auto& p : profile_params()) width = std::max(width, p.name.size());
  std::cout << fmt::format("profile: {}\n\n{:<{}} {:>10}  {}\n", profile.name, "parameter", width,
                           "value", "meaning; source");
  for (const auto& p : profile_params())
    std::cout << fmt::format("{:<{}} {:>10}  {}; {}\n", p.name, width,
                             format_param(profile, p), p.meaning, p.source);
  return 0;
}

void print_error(const UserError& e) {
  std::cerr << "gilsim: error: " << e.what() << "\n";
  if (!e.hint.empty()) std::cerr << "  hint: " << e.hint << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gilsim: predicts how a Python workload runs under CPython's GIL with threads, "
               "processes, asyncio, a free-threaded build or subinterpreters, from a JSON "
               "scenario (docs/scenario-format.md)."};
  app.set_version_flag("--version", std::string("gilsim ") + GILSIM_VERSION);
  app.require_subcommand(1);

  RunOptions run_options;
  auto* run_cmd = app.add_subcommand("run", "Simulate every strategy of a scenario and compare");
  add_machine_options(run_cmd, run_options.machine);
  run_cmd->add_option("--format", run_options.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  run_cmd->add_option("-o,--output", run_options.output, "Write to this file (default: stdout)");
  run_cmd->add_flag("!--no-threads", run_options.per_thread, "Leave out the per-thread table");
  RecordingOptions& rec = run_options.recording;
  const std::string traces = "Trace and timeline (docs/reading-a-trace.md)";
  run_cmd->add_option("--trace", rec.trace, "Write a Chrome Trace Event JSON file (Perfetto, "
                      "chrome://tracing); {strategy} in the name: one file per strategy")
      ->group(traces);
  run_cmd->add_option("--timeline", rec.timeline, "Draw an SVG timeline of the first 50 ms "
                      "(or --timeline-window); {strategy} as for --trace")
      ->group(traces);
  run_cmd->add_option("--trace-strategy", rec.strategy, "The strategy to record (default: the "
                      "only one other than serial)")
      ->group(traces);
  run_cmd->add_option("--trace-window", rec.window, "Record only START:END of virtual time, e.g. "
                      "1s:1.2s (default: all)")
      ->group(traces);
  run_cmd->add_option("--timeline-window", rec.timeline_window, "The timeline's START:END "
                      "(default: --trace-window, or 0:50ms)")
      ->group(traces);
  run_cmd->add_option("--trace-threads", rec.threads, "Record only these threads: names or "
                      "patterns, comma-separated (MainThread,ThreadPoolExecutor-0_*)")
      ->group(traces);

  ExplainOptions explain_options;
  auto* explain_cmd = app.add_subcommand(
      "explain", "Say where the time goes under each strategy, the bottleneck, the winner, and "
                 "what change would make another strategy win (found by re-simulating)");
  add_machine_options(explain_cmd, explain_options.machine);
  explain_cmd->add_option("-o,--output", explain_options.output,
                          "Write to this file (default: stdout)");

  std::vector<std::string> check_files;
  auto* check_cmd = app.add_subcommand("check", "Validate scenario files; explain every mistake");
  check_cmd->add_option("scenarios", check_files, "Scenario files")->required();

  std::string profile_path, profile_format = "table";
  auto* profile_cmd = app.add_subcommand("profile", "Print a machine profile: every cost "
                                         "constant, its value and where it comes from");
  profile_cmd->add_option("--profile", profile_path, "Profile file (default: the built-in one)");
  profile_cmd->add_option("--format", profile_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  SweepCommands sweeps;
  add_sweep_commands(app, sweeps);

  try {
    app.parse(argc, argv);
    if (const auto status = sweeps.run()) return *status;
    if (*run_cmd) return run(run_options);
    if (*explain_cmd) return explain(explain_options);
    if (*check_cmd) return check(check_files);
    if (*profile_cmd) return show_profile(profile_path, profile_format);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(
        UserError("", e.what(), "run `gilsim --help` or `gilsim COMMAND --help` for usage"));
    return 2;
  } catch (const UserError& e) {
    print_error(e);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "gilsim: internal error: " << e.what()
              << "\n  this is a bug in gilsim; please report it with the scenario file\n";
    return 1;
  }
  return 0;
}
