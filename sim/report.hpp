// Results to what people and tools read: a table (fmt), JSON and tidy CSV for one `gilsim run`,
// and the one-line verdict that names the winner and the reason in the user's terms.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gilsim/profile.hpp"
#include "gilsim/result.hpp"
#include "gilsim/scenario.hpp"

namespace gilsim {

struct RunReport {
  const Scenario* scenario = nullptr;
  std::string profile_name;
  int cores = 1;
  std::vector<RunResult> results;   // the strategies compared, in the scenario's order
  std::optional<RunResult> serial;  // the baseline for speed-ups (workload form only)
};

double speedup(const RunReport& report, const RunResult& r);  // 0 when there is no baseline
double gil_wait_share(const RunResult& r);  // of all threads' lifetime
std::string verdict(const RunReport& report);

std::string format_table(const RunReport& report, bool per_thread);
std::string format_json(const RunReport& report);
std::string format_csv(const RunReport& report);

}  // namespace gilsim
