// Machine profiles: the default one, with every constant's source, and profile files
// (`--profile FILE`, written by hand or by tools/calibrate.py) that override some of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gilsim/profile.hpp"

namespace gilsim {

// A parameter is a duration (ns; written "12us") or a percentage (ppm; written "40%").
enum class ParamUnit { duration, percent };

struct ProfileParam {
  std::string_view name;
  std::int64_t MachineProfile::*field;
  ParamUnit unit;
  std::int64_t default_value;
  std::string_view meaning;
  std::string_view source;  // a file or URL, "measured on ...", or "guess"
};

// Every parameter, in the order `gilsim profile` prints them.
const std::vector<ProfileParam>& profile_params();

MachineProfile default_profile();

// The parameter's value in `profile` as a profile file writes it: "12us", "40%".
std::string format_param(const MachineProfile& profile, const ProfileParam& param);

// {"name": "...", "description": "...", "params": {"gil_wake_latency": "12us", ...},
//  "measured": {...}}: params not listed keep their defaults; "measured" is free-form (raw data
// from tools/calibrate.py) and ignored. Mistakes are UserErrors with FILE:LINE:COL.
MachineProfile load_profile(const std::string& path);

// "default" or a file path, as a scenario's machine.profile or --profile gives it.
MachineProfile resolve_profile(const std::string& name_or_path);

}  // namespace gilsim
