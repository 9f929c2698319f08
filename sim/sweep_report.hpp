// A sweep's results as people and tools read them: a table, tidy CSV (one row per grid point
// and strategy, the columns of `gilsim run` plus the grid's), and JSON that also carries the
// grid and the shard, so `gilsim merge` can read shards back and check they belong together.
#pragma once

#include <string>

#include "sweep.hpp"

namespace gilsim {

std::string format_sweep_table(const SweepResult& sweep);
std::string format_sweep_csv(const SweepResult& sweep);
std::string format_sweep_json(const SweepResult& sweep);

// Reads what format_sweep_json wrote; anything else is a UserError naming `path`.
SweepResult read_sweep_json(const std::string& text, const std::string& path);

// Everything shards of one sweep share (gilsim version, scenario, profile, strategies, grid),
// hashed: parts with different ids are parts of different sweeps.
std::string sweep_id(const SweepResult& sweep);

// The axes whose values are not already a result column (cores is, python is not): each gets
// a column of its own, named as the axis.
bool axis_has_own_column(const Axis& axis);

}  // namespace gilsim
