// One tidy row per simulated run: the metrics `gilsim run` reports, named once. The run's CSV
// columns and JSON fields and every row of a sweep come from this one definition, so a column
// means the same thing, with the same name and unit, in every file gilsim writes
// (conventions.md: tidy rows, units in column names).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gilsim/result.hpp"
#include "gilsim/units.hpp"

namespace gilsim {

// How a value prints in CSV: text RFC 4180-quoted, seconds with 9 decimals (whole
// nanoseconds), ratios with 6, integers as they are; a null is an empty cell.
enum class CellKind { text, integer, seconds, ratio };

struct Column {
  std::string name;
  CellKind kind;
};

// The states a thread spends time in, in the order every report lists them, and the stems of
// their column names ("gil_wait" -> gil_wait_s).
inline constexpr std::array<ThreadState, kThreadStates> kTimeStates = {
    ThreadState::python,   ThreadState::native,  ThreadState::gil_wait, ThreadState::lock_wait,
    ThreadState::runnable, ThreadState::io,      ThreadState::ipc,      ThreadState::startup,
    ThreadState::idle,     ThreadState::overhead, ThreadState::kernel};
inline constexpr std::array<std::string_view, kThreadStates> kStateColumns = {
    "python", "native", "gil_wait", "lock_wait", "runnable",
    "io",     "ipc",    "startup",  "idle",      "overhead", "kernel"};

// One value per column; JSON gives it a type (string, integer, double or null).
using Cell = nlohmann::ordered_json;
using Row = std::vector<Cell>;

// The columns of one run's result: strategy, workers, cores, switch_interval_s, wall_s,
// speedup_vs_serial, ..., events.
const std::vector<Column>& result_columns();
// The index of a column of result_columns() (for a caller that fills one in later).
std::size_t result_column(std::string_view name);

// The values of result_columns() for r; speedup is null when there is no serial baseline.
Row result_row(const RunResult& r, Nanos switch_interval, std::optional<double> speedup);

// serial_wall / wall: how many times faster than serial; 0 for a run that took no time.
double speedup_over(Nanos serial_wall, Nanos wall);

// The columns every CSV row of gilsim starts with: what produced it.
inline constexpr std::string_view kProvenanceHeader =
    "schema_version,gilsim_version,scenario,content_hash,seed";
std::string csv_provenance(std::string_view scenario, std::string_view content_hash,
                           std::uint64_t seed);

// ",strategy,workers,...": the result columns, each after a comma.
std::string csv_result_header();
// ",threads,4,...": a row of result_row(), each cell after a comma.
std::string csv_result_cells(const Row& row);

std::string csv_cell(CellKind kind, const Cell& value);
std::string csv_quote(std::string_view text);  // RFC 4180, only when the text needs it

}  // namespace gilsim
