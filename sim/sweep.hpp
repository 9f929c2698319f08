// `gilsim sweep`: one scenario over a grid of cores, workers, switch intervals, Python versions
// and any scenario field. Each grid point is the scenario file with the point's values written
// into its JSON (sim/scenario_edit), parsed by the normal parser; its strategies, and serial
// for the speed-up, run on a pool of host threads; the rows come back in grid order, so the
// output is the same bytes for any number of host threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gilsim/profile.hpp"
#include "gilsim/scenario.hpp"
#include "grid.hpp"
#include "result_row.hpp"
#include "scenario_edit.hpp"

namespace gilsim {

// What `gilsim sweep` is asked, as the command line writes it; an empty spec is not swept.
struct SweepRequest {
  std::string scenario;
  std::string cores;
  std::string workers;
  std::string switch_interval;
  std::string python;
  std::vector<std::string> sets;  // "/json/pointer=values", one axis each
  std::string strategies;         // "threads,processes": the strategies to run, in this order
  std::string profile;            // a profile file instead of the scenario's
  std::string shard = "1/1";
  int jobs = 1;  // host threads
};

struct SweepRow {
  std::size_t point = 0;  // grid index
  Row cells;              // result_columns()
};

// What a sweep (or one shard of it) produced: provenance, the grid, and one row per grid point
// and strategy. Also what `gilsim merge` reads back from the JSON of each shard.
struct SweepResult {
  std::string scenario_name;
  std::string description;
  std::string content_hash;  // of the scenario file as given, before any edit
  std::uint64_t seed = 1;    // the file's; a swept /seed has its own column
  std::string profile_name;
  std::string profile_hash;  // of every cost constant's value
  std::string strategies;    // the --strategies spec; "" for the scenario's own
  std::vector<Axis> axes;
  std::size_t grid_points = 0;
  Shard shard;
  std::vector<std::size_t> points;  // the grid points held here, ascending
  std::vector<SweepRow> rows;       // by point, then in the scenario's strategy order
};

// Called from the calling thread a few times a second while the simulations run.
using SweepProgress =
    std::function<void(std::size_t points_done, std::size_t points, double share_done)>;

// A checked request: the scenario, its document with --strategies applied, the grid.
struct SweepPlan {
  SweepRequest request;
  Scenario base;      // the file as given
  Document document;  // its JSON, with --strategies applied; each point edits a copy
  std::vector<Axis> axes;
  std::size_t grid_points = 0;
  Shard shard;
  MachineProfile profile;  // the scenario's (or --profile), for the results' provenance
};

// Checks the whole request: every axis value is tried on the scenario on its own, so a mistake
// is reported before anything runs, names the option value that causes it, and is reported
// the same way by every shard.
SweepPlan plan_sweep(const SweepRequest& request);

// Runs the plan's shard of the grid on request.jobs host threads.
SweepResult run_sweep(const SweepPlan& plan, const SweepProgress& progress = {});

}  // namespace gilsim
