#include "result_row.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "report.hpp"
#include "scenario.hpp"

namespace gilsim {

namespace {

using Kind = CellKind;

std::vector<Column> make_columns() {
  std::vector<Column> columns = {
      {"strategy", Kind::text},         {"kind", Kind::text},
      {"python", Kind::text},           {"workers", Kind::integer},
      {"cores", Kind::integer},         {"switch_interval_s", Kind::seconds},
      {"wall_s", Kind::seconds},        {"speedup_vs_serial", Kind::ratio},
      {"cpu_utilisation", Kind::ratio}, {"gil_wait_frac", Kind::ratio}};
  // Summed over all threads.
  for (std::string_view state : kStateColumns)
    columns.push_back({fmt::format("{}_s", state), Kind::seconds});
  for (std::string_view name : {"gil_handoffs", "forced_switches", "drop_requests", "tasks"})
    columns.push_back({std::string(name), Kind::integer});
  columns.push_back({"task_latency_p50_s", Kind::seconds});
  columns.push_back({"task_latency_p99_s", Kind::seconds});
  columns.push_back({"events", Kind::integer});
  return columns;
}

}  // namespace

const std::vector<Column>& result_columns() {
  static const std::vector<Column> columns = make_columns();
  return columns;
}

std::size_t result_column(std::string_view name) {
  const auto& columns = result_columns();
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  throw std::logic_error(fmt::format("no result column \"{}\"", name));
}

double speedup_over(Nanos serial_wall, Nanos wall) {
  return wall > 0 ? static_cast<double>(serial_wall) / static_cast<double>(wall) : 0;
}

Row result_row(const RunResult& r, Nanos switch_interval, std::optional<double> speedup) {
  Row row;
  row.reserve(result_columns().size());
  row.emplace_back(r.strategy);
  row.emplace_back(std::string(to_string(r.kind)));
  row.emplace_back(std::string(to_string(r.python)));
  row.emplace_back(r.workers);
  row.emplace_back(r.cores);
  row.emplace_back(to_seconds(switch_interval));
  row.emplace_back(to_seconds(r.wall));
  row.push_back(speedup ? Cell(*speedup) : Cell(nullptr));
  row.emplace_back(r.cpu_utilisation());
  row.emplace_back(gil_wait_share(r));
  for (ThreadState state : kTimeStates) row.emplace_back(to_seconds(r.total(state)));
  row.emplace_back(r.gil_handoffs);
  row.emplace_back(r.forced_switches);
  row.emplace_back(r.drop_requests);
  row.emplace_back(r.tasks);
  row.emplace_back(to_seconds(r.task_latency_p50));
  row.emplace_back(to_seconds(r.task_latency_p99));
  row.emplace_back(r.events);
  return row;
}

std::string csv_provenance(std::string_view scenario, std::string_view content_hash,
                           std::uint64_t seed) {
  return fmt::format("1,{},{},{},{}", GILSIM_VERSION, csv_quote(scenario), content_hash, seed);
}

std::string csv_result_header() {
  std::string out;
  for (const auto& column : result_columns()) {
    out += ',';
    out += column.name;
  }
  return out;
}

std::string csv_result_cells(const Row& row) {
  std::string out;
  for (std::size_t i = 0; i < row.size(); ++i) {
    out += ',';
    out += csv_cell(result_columns()[i].kind, row[i]);
  }
  return out;
}

std::string csv_quote(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) quoted.append(c == '"' ? 2 : 1, c);
  quoted += '"';
  return quoted;
}

std::string csv_cell(CellKind kind, const Cell& value) {
  if (value.is_null()) return "";
  switch (kind) {
    case Kind::text:
      return csv_quote(value.is_string() ? value.get<std::string>() : value.dump());
    case Kind::integer:
      return value.dump();
    case Kind::seconds:
      return fmt::format("{:.9f}", value.get<double>());
    case Kind::ratio:
      return fmt::format("{:.6f}", value.get<double>());
  }
  return "";
}

}  // namespace gilsim
