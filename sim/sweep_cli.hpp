// The command-line options of `gilsim sweep` and `gilsim merge` (CLI11), so that main.cpp only
// registers the two commands and runs the one chosen. Included by main.cpp alone: the model
// library (gilsim_core) does not link CLI11.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sweep_command.hpp"

namespace gilsim {

struct SweepCommands {
  SweepRequest request;
  SweepOutputs sweep_outputs;
  std::vector<std::string> parts;
  SweepOutputs merge_outputs;
  CLI::App* sweep = nullptr;
  CLI::App* merge = nullptr;
  CLI::Option* sweep_format = nullptr;
  CLI::Option* merge_format = nullptr;

  // After parsing: the exit status of the command chosen, or nullopt if it was neither.
  std::optional<int> run() {
    sweep_outputs.format_given = sweep_format->count() > 0;
    merge_outputs.format_given = merge_format->count() > 0;
    if (*sweep) return sweep_command(request, sweep_outputs);
    if (*merge) return merge_command(parts, merge_outputs);
    return std::nullopt;
  }
};

// -o (repeatable), --format, --plot and --plot-metric, as `sweep` and `merge` share them.
inline CLI::Option* add_sweep_outputs(CLI::App* cmd, SweepOutputs& outputs) {
  cmd->add_option("-o,--output", outputs.files,
                  "Write to this file; repeatable; .csv and .json files get that format, "
                  "others the table (default: the table on stdout)")
      ->allow_extra_args(false);
  cmd->add_option("--plot", outputs.plot,
                  "Draw an SVG plot to this file: speed-up (or wall time) "
                  "against the swept axis; heat-maps for two axes");
  cmd->add_option("--plot-metric", outputs.plot_metric,
                  "speedup, wall or auto (speed-up when "
                  "there is a serial baseline)")
      ->check(CLI::IsMember({"auto", "speedup", "wall"}));
  return cmd
      ->add_option("--format", outputs.format,
                   "table, json or csv, for stdout and for every -o file")
      ->check(CLI::IsMember({"table", "json", "csv"}));
}

inline void add_sweep_commands(CLI::App& app, SweepCommands& c) {
  c.request.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  c.sweep = app.add_subcommand("sweep",
                               "Run a scenario over a grid of cores, workers, switch "
                               "intervals, Python versions or any field; table, CSV, JSON, SVG "
                               "(docs/sweeps.md)");
  CLI::App* s = c.sweep;
  s->add_option("scenario", c.request.scenario, "Scenario file (JSON)")->required();
  s->add_option("--cores", c.request.cores,
                "Cores: 1,2,4,8 or 1-64 or 1-64:8 (every 8th) or 1-64:x2 (powers of two)");
  s->add_option("--workers", c.request.workers,
                "Pool size of every strategy with a pool, e.g. 4,8,16,32");
  s->add_option("--switch-interval", c.request.switch_interval,
                "sys.setswitchinterval, e.g. 0.1ms,1ms,5ms or 1ms-16ms:x2");
  s->add_option("--python", c.request.python, "Python versions, e.g. 3.12,3.13t,3.14");
  s->add_option("--set", c.request.sets,
                "Any scenario field by JSON pointer, e.g. "
                "/workload/tasks/0/count=10,100,1000; repeatable, one axis each")
      ->allow_extra_args(false);
  s->add_option("--strategies", c.request.strategies,
                "The strategies to run, in this order, "
                "e.g. threads,processes,asyncio (default: the scenario's)");
  s->add_option("--profile", c.request.profile,
                "Machine profile file (default: the scenario's machine.profile)");
  s->add_option("--shard", c.request.shard,
                "Run only shard i of n, e.g. 3/16, and write its "
                "JSON for `gilsim merge` (default: 1/1, all)");
  s->add_option("-j,--jobs", c.request.jobs,
                "Host threads (default: the host's cores); the "
                "output is the same for any number")
      ->check(CLI::Range(1, 4096));
  c.sweep_format = add_sweep_outputs(s, c.sweep_outputs);

  c.merge = app.add_subcommand("merge",
                               "Join the JSON parts of a sharded sweep into the whole; "
                               "refuses overlaps, gaps and parts of other sweeps");
  c.merge->add_option("parts", c.parts, "The parts: JSON files of `gilsim sweep --shard`")
      ->required();
  c.merge_format = add_sweep_outputs(c.merge, c.merge_outputs);
}

}  // namespace gilsim
