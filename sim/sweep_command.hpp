// The `gilsim sweep` and `gilsim merge` commands: run a sweep (or join its shards), then write
// the table, CSV, JSON and SVG the user asked for, each file whole or not at all.
#pragma once

#include <string>
#include <vector>

#include "sweep.hpp"

namespace gilsim {

struct SweepOutputs {
  std::vector<std::string> files;  // -o: the format from the extension (.csv, .json; else the
                                   // table), unless --format is given
  std::string format = "table";    // for stdout, and for every file when format_given
  bool format_given = false;
  std::string plot;  // --plot FILE.svg
  std::string plot_metric = "auto";
};

int sweep_command(const SweepRequest& request, const SweepOutputs& outputs);
int merge_command(const std::vector<std::string>& parts, const SweepOutputs& outputs);

}  // namespace gilsim
