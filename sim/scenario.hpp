// Scenario files (format v1, docs/scenario-format.md) to gilsim::Scenario: units, defaults, and
// one UserError per mistake, located at FILE:LINE:COL and the JSON pointer of the bad value.
#pragma once

#include <string>
#include <string_view>

#include "gilsim/scenario.hpp"

namespace gilsim {

// Reads and parses the file; a missing or unreadable file is a UserError naming the path.
Scenario load_scenario(const std::string& path);

// Parses scenario text; `path` names it in messages, gives the default name (its stem) and the
// directory a relative profile path is resolved against.
Scenario parse_scenario(std::string text, const std::string& path);

// The spelling used in scenario files: "cpu", "native_gil", "serial", "threads", "program".
std::string_view to_string(OpKind kind);
std::string_view to_string(StrategyKind kind);  // "free-threaded", as scenarios spell it
std::string_view to_string(PythonVersion version);  // "3.13t"
std::string_view to_string(StartMethod method);

}  // namespace gilsim
