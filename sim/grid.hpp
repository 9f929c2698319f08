// The axes of a sweep as the command line writes them, and the grid they span.
//
//   values     1,2,4,8          a list, in the order written
//   range      1-64             every integer from 1 to 64
//   step       1-64:8           1, 9, 17, ..., 57 (Slurm's array syntax)
//   geometric  1-64:x2          1, 2, 4, ..., 64 (powers of two); 1-1000:x10 -> 1, 10, 100, 1000
//   durations  0.1ms,1ms,5ms    and ranges with a step: 1ms-5ms:1ms, 1ms-16ms:x2
//   mixed      1,2,4-8,16-64:x2
//
// A value may appear once per axis. docs/sweeps.md is the user's reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gilsim/units.hpp"

namespace gilsim {

// One swept dimension: the values one scenario field takes, each a JSON value as the scenario
// file would write it (4, "1ms", "3.12").
struct Axis {
  std::string name;     // its column: "cores", "workers", "switch_interval", "python", a pointer
  std::string option;   // how the user named it, for messages: "--cores", "--set /seed"
  std::string spec;     // as written: "1-64:x2"
  std::string pointer;  // the scenario field it sets ("/machine/cores"); "" for --workers
  std::vector<nlohmann::ordered_json> values;
};

// "--cores" or "--set /seed": the option that names the axis.
std::string axis_option(const Axis& axis);
// "--cores 1-64:x2" or "--set /seed=1,2": the axis as the command line wrote it.
std::string axis_argument(const Axis& axis);
// "--cores 4" or "--set /seed=3": one value of the axis, as an option would set it.
std::string axis_value_argument(const Axis& axis, const nlohmann::ordered_json& value);

inline constexpr std::size_t kMaxAxisValues = 1'000'000;
inline constexpr std::size_t kMaxGridPoints = 10'000'000;

// Whole numbers: lists, ranges, steps, geometric ranges. Errors name `option`.
std::vector<std::int64_t> parse_integer_values(std::string_view option, std::string_view spec);
// Durations: lists, and ranges with a step (a duration or xN). A listed value keeps its
// spelling ("0.1ms"); a range's values are written exactly (format_duration_exact).
struct DurationValue {
  Nanos nanos = 0;
  std::string text;
};
std::vector<DurationValue> parse_duration_values(std::string_view option, std::string_view spec);
// Words, as written ("3.11,3.13t").
std::vector<std::string> parse_word_values(std::string_view option, std::string_view spec);
// --set values for a field whose current value is `current` (null when the scenario leaves it
// out): strings stay strings (durations written exactly, ranges of durations expanded);
// otherwise integers and their ranges, JSON numbers, true/false, durations and words.
std::vector<nlohmann::ordered_json> parse_set_values(std::string_view option, std::string_view spec,
                                                     const nlohmann::ordered_json& current);

// The grid: every combination of the axes' values, the first axis varying slowest. A point is
// an index from 0 to grid_points() - 1.
std::size_t grid_points(const std::vector<Axis>& axes);  // UserError above kMaxGridPoints
std::vector<std::size_t> grid_coordinates(const std::vector<Axis>& axes, std::size_t point);
// "--cores 4 --workers 8": the point as options, for messages.
std::string describe_point(const std::vector<Axis>& axes, std::size_t point);

// --shard i/n: shard i (from 1) holds the points p with p % n == i - 1, so every shard gets
// small and large points alike.
struct Shard {
  std::size_t index = 1;
  std::size_t count = 1;
};
Shard parse_shard(std::string_view text);
std::vector<std::size_t> shard_points(std::size_t grid_points, Shard shard);
std::size_t shard_of(std::size_t point, std::size_t shard_count);  // 1-based

}  // namespace gilsim
