// `gilsim explain`: the breakdown of a scenario's runs in words and numbers. For each strategy,
// where the threads' time went and the bottleneck in a sentence; the winner and its margin; and
// what would change the answer, found by re-simulating changed copies of the scenario
// (sim/variants.*) and reporting the smallest tried change that makes another strategy win.
#pragma once

#include <string>

#include "gilsim/profile.hpp"
#include "gilsim/scenario.hpp"

namespace gilsim {

std::string explain(const Scenario& scenario, const MachineProfile& profile, int cores);

}  // namespace gilsim
