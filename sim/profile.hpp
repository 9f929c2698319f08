// Machine profiles: the default one, with every constant's source, and profile files
// (`--profile FILE`, written by hand or by tools/calibrate.py) that override some of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gilsim/profile.hpp"

namespace gilsim {

struct ProfileParam {
  std::string_view name;
  Nanos MachineProfile::*field;
  Nanos default_value;
  std::string_view meaning;
  std::string_view source;  // a file or URL, "measured on ...", or "guess"
};

// Every parameter, in the order `gilsim profile` prints them.
const std::vector<ProfileParam>& profile_params();

MachineProfile default_profile();

// {"name": "...", "description": "...", "params": {"gil_wake_latency": "12us", ...},
//  "measured": {...}}: params not listed keep their defaults; "measured" is free-form (raw data
// from tools/calibrate.py) and ignored. Mistakes are UserErrors with FILE:LINE:COL.
MachineProfile load_profile(const std::string& path);

// "default" or a file path, as a scenario's machine.profile or --profile gives it.
MachineProfile resolve_profile(const std::string& name_or_path);

}  // namespace gilsim
