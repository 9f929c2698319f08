// `gilsim merge`: joins the JSON results of a sweep's shards into the whole sweep, the same
// bytes as one unsharded run would give. Refuses parts of different sweeps, a grid point held
// by two parts, and grid points held by none, naming the files, points and missing shards.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sweep.hpp"

namespace gilsim {

struct SweepPart {
  std::string path;  // for messages
  SweepResult sweep;
};

SweepResult merge_sweeps(const std::vector<SweepPart>& parts);

// Reads each file (format_sweep_json's output) and merges them.
SweepResult merge_files(const std::vector<std::string>& paths);

}  // namespace gilsim
