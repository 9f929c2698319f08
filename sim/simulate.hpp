// One run: a scenario under one strategy on `cores` cores -> the observations summed up.
#pragma once

#include "gilsim/observer.hpp"
#include "gilsim/profile.hpp"
#include "gilsim/result.hpp"
#include "gilsim/scenario.hpp"

namespace gilsim {

// Runs on a host thread of its own (a fresh fiber scheduler), so any number may run at once.
// `extra` also receives every observation (the trace writer). A run that does not finish
// within the scenario's max_virtual_time is a UserError.
RunResult simulate(const Scenario& scenario, const StrategySpec& strategy, int cores,
                   const MachineProfile& profile, Observer* extra = nullptr);

}  // namespace gilsim
