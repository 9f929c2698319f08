// Durations as people write them ("5ms", "1.5s", "200 us") and as reports print them
// ("12.345 ms"). Parsing is exact integer arithmetic: "0.1s" is 100'000'000 ns, never a
// rounded double, so a scenario means the same virtual time on every host.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gilsim/units.hpp"

namespace gilsim {

// Why a duration string was rejected, so a scenario error can say which rule it broke.
enum class DurationProblem {
  none,
  syntax,        // not "<digits>[.<digits>][ ]<ns|us|ms|s>"
  negative,      // "-5ms"
  not_whole_ns,  // "0.5ns", "1.0000000001s"
  overflow,      // does not fit in Nanos
};

struct ParsedDuration {
  Nanos value = 0;  // valid only when problem == none
  DurationProblem problem = DurationProblem::none;
};

// "5ms", "200us", "1.5s", "100ns", "0.25 ms": a non-negative decimal number, at most one
// space, then ns|us|ms|s.
ParsedDuration parse_duration_checked(std::string_view text);

// The same, when the reason does not matter: nullopt for anything parse_duration_checked rejects.
std::optional<Nanos> parse_duration(std::string_view text);

// For humans: the largest unit (s, ms, us, ns) in which the value is >= 1, up to three decimals
// (rounded half away from zero), trailing zeros stripped: "5 ms", "1.5 s", "12.345 ms", "0 s".
std::string format_duration(Nanos t);

// For files: exact, in the largest unit the value reaches, no space: "3.3ms", "2us", "80.6ms".
// parse_duration reads it back to the same value.
std::string format_duration_exact(Nanos t);

// "40%", "12.5%" (0 to 1000 %, at most 4 decimals) <-> parts per million.
std::optional<Ppm> parse_percent(std::string_view text);
std::string format_percent(Ppm ppm);

}  // namespace gilsim
