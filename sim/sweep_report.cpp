#include "sweep_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "gilsim/error.hpp"
#include "hash.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

using Json = nlohmann::ordered_json;

constexpr int kSchemaVersion = 1;

std::string value_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The values of one row's grid point on the axes that have a column of their own.
std::vector<std::pair<std::string, Json>> axis_cells(const SweepResult& sweep, std::size_t point) {
  std::vector<std::pair<std::string, Json>> cells;
  const auto coordinates = grid_coordinates(sweep.axes, point);
  for (std::size_t a = 0; a < sweep.axes.size(); ++a)
    if (axis_has_own_column(sweep.axes[a]))
      cells.emplace_back(sweep.axes[a].name, sweep.axes[a].values[coordinates[a]]);
  return cells;
}

Json axis_json(const Axis& axis) {
  Json values = Json::array();
  for (const auto& v : axis.values) values.push_back(v);
  return {{"name", axis.name},
          {"option", axis.option},
          {"spec", axis.spec},
          {"pointer", axis.pointer},
          {"values", values}};
}

// Cells of a sweep row: a number of seconds back to nanoseconds, for durations in the table.
Nanos nanos(const Json& seconds) { return std::llround(seconds.get<double>() * kSecond); }
std::string percent(const Json& share) { return fmt::format("{:.1f}%", 100 * share.get<double>()); }

struct TableColumn {
  std::string heading;
  bool left = false;  // text columns are left-aligned, numbers right-aligned
  std::vector<std::string> cells;
};

std::string render(const std::vector<TableColumn>& columns) {
  std::vector<std::size_t> widths;
  for (const auto& c : columns) {
    std::size_t width = c.heading.size();
    for (const auto& cell : c.cells) width = std::max(width, cell.size());
    widths.push_back(width);
  }
  const std::size_t rows = columns.empty() ? 0 : columns.front().cells.size();
  std::string out;
  for (std::size_t r = 0; r <= rows; ++r) {
    std::string line;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& text = r == 0 ? columns[c].heading : columns[c].cells[r - 1];
      if (c > 0) line += ' ';
      line += columns[c].left ? fmt::format("{:<{}}", text, widths[c])
                              : fmt::format("{:>{}}", text, widths[c]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

// The rows' winners: the fastest strategy at each grid point.
std::vector<bool> fastest(const SweepResult& sweep) {
  const std::size_t wall = result_column("wall_s");
  std::vector<bool> best(sweep.rows.size(), false);
  for (std::size_t begin = 0; begin < sweep.rows.size();) {
    std::size_t end = begin;
    std::size_t winner = begin;
    while (end < sweep.rows.size() && sweep.rows[end].point == sweep.rows[begin].point) {
      if (sweep.rows[end].cells[wall].get<double>() < sweep.rows[winner].cells[wall].get<double>())
        winner = end;
      ++end;
    }
    if (end - begin > 1) best[winner] = true;
    begin = end;
  }
  return best;
}

[[noreturn]] void not_a_sweep(const std::string& path, const std::string& what) {
  throw UserError(path, "not a gilsim sweep result: " + what,
                  "give the JSON files written by `gilsim sweep ... -o part.json`");
}

const Json& need(const Json& object, const std::string& key, const std::string& path,
                 const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    not_a_sweep(path, fmt::format("no \"{}\" in {}", key, where.empty() ? "the top level" : where));
  return object[key];
}

Axis read_axis(const Json& j, const std::string& path) {
  Axis axis;
  axis.name = need(j, "name", path, "/grid/axes").get<std::string>();
  axis.option = need(j, "option", path, "/grid/axes").get<std::string>();
  axis.spec = need(j, "spec", path, "/grid/axes").get<std::string>();
  axis.pointer = need(j, "pointer", path, "/grid/axes").get<std::string>();
  for (const auto& v : need(j, "values", path, "/grid/axes")) axis.values.push_back(v);
  if (axis.values.empty()) not_a_sweep(path, "an axis without values");
  return axis;
}

SweepRow read_row(const Json& j, const SweepResult& sweep, const std::string& path) {
  SweepRow row;
  row.point = need(j, "point", path, "/rows").get<std::size_t>();
  if (row.point >= sweep.grid_points)
    not_a_sweep(path, fmt::format("row of grid point {}, beyond the grid's {} points", row.point,
                                  sweep.grid_points));
  for (const auto& column : result_columns())
    row.cells.push_back(need(j, column.name, path, "/rows"));
  return row;
}

SweepResult read_sweep(const Json& doc, const std::string& path) {
  if (need(doc, "kind", path, "") != "sweep") not_a_sweep(path, "\"kind\" is not \"sweep\"");
  if (need(doc, "schema_version", path, "") != kSchemaVersion)
    throw UserError(path,
                    fmt::format("sweep schema version {} is not {}", doc["schema_version"].dump(),
                                kSchemaVersion),
                    "merge with the gilsim version that wrote the parts");
  SweepResult sweep;
  const Json& scenario = need(doc, "scenario", path, "");
  sweep.scenario_name = need(scenario, "name", path, "/scenario").get<std::string>();
  sweep.description = need(scenario, "description", path, "/scenario").get<std::string>();
  sweep.content_hash = need(scenario, "content_hash", path, "/scenario").get<std::string>();
  sweep.seed = need(scenario, "seed", path, "/scenario").get<std::uint64_t>();
  const Json& profile = need(doc, "profile", path, "");
  sweep.profile_name = need(profile, "name", path, "/profile").get<std::string>();
  sweep.profile_hash = need(profile, "hash", path, "/profile").get<std::string>();
  const Json& grid = need(doc, "grid", path, "");
  const Json& strategies = need(grid, "strategies", path, "/grid");
  sweep.strategies = strategies.is_null() ? "" : strategies.get<std::string>();
  for (const auto& axis : need(grid, "axes", path, "/grid"))
    sweep.axes.push_back(read_axis(axis, path));
  sweep.grid_points = need(grid, "points", path, "/grid").get<std::size_t>();
  if (sweep.axes.empty() || grid_points(sweep.axes) != sweep.grid_points)
    not_a_sweep(path, "the grid's point count does not match its axes");
  const Json& shard = need(doc, "shard", path, "");
  sweep.shard.index = need(shard, "index", path, "/shard").get<std::size_t>();
  sweep.shard.count = need(shard, "count", path, "/shard").get<std::size_t>();
  for (const auto& p : need(shard, "points", path, "/shard"))
    sweep.points.push_back(p.get<std::size_t>());
  for (const auto& row : need(doc, "rows", path, ""))
    sweep.rows.push_back(read_row(row, sweep, path));
  if (need(doc, "sweep_id", path, "") != sweep_id(sweep))
    not_a_sweep(path, "its sweep_id does not match its content (was it edited?)");
  return sweep;
}

}  // namespace

bool axis_has_own_column(const Axis& axis) {
  return axis.name != "cores" && axis.name != "workers" && axis.name != "switch_interval" &&
         axis.name != "python";
}

std::string sweep_id(const SweepResult& sweep) {
  Json axes = Json::array();
  for (const Axis& axis : sweep.axes)
    axes.push_back({{"name", axis.name}, {"values", axis.values}});
  const Json identity = {{"gilsim_version", GILSIM_VERSION},
                         {"content_hash", sweep.content_hash},
                         {"profile_hash", sweep.profile_hash},
                         {"strategies", sweep.strategies},
                         {"axes", axes}};
  return fnv1a_hex(identity.dump());
}

std::string format_sweep_json(const SweepResult& sweep) {
  Json doc;
  doc["schema_version"] = kSchemaVersion;
  doc["gilsim_version"] = GILSIM_VERSION;
  doc["kind"] = "sweep";
  doc["scenario"] = {{"name", sweep.scenario_name},
                     {"description", sweep.description},
                     {"content_hash", sweep.content_hash},
                     {"seed", sweep.seed}};
  doc["profile"] = {{"name", sweep.profile_name}, {"hash", sweep.profile_hash}};
  Json axes = Json::array();
  for (const Axis& axis : sweep.axes) axes.push_back(axis_json(axis));
  doc["grid"] = {{"points", sweep.grid_points},
                 {"strategies", sweep.strategies.empty() ? Json() : Json(sweep.strategies)},
                 {"axes", axes}};
  doc["sweep_id"] = sweep_id(sweep);
  doc["shard"] = {
      {"index", sweep.shard.index}, {"count", sweep.shard.count}, {"points", sweep.points}};
  doc["rows"] = Json::array();
  for (const SweepRow& row : sweep.rows) {
    Json j;
    j["point"] = row.point;
    for (auto& [name, value] : axis_cells(sweep, row.point)) j[name] = value;
    for (std::size_t i = 0; i < row.cells.size(); ++i) j[result_columns()[i].name] = row.cells[i];
    doc["rows"].push_back(std::move(j));
  }
  return doc.dump(2) + "\n";
}

std::string format_sweep_csv(const SweepResult& sweep) {
  std::string out = std::string(kProvenanceHeader) + ",point";
  for (const Axis& axis : sweep.axes)
    if (axis_has_own_column(axis)) out += fmt::format(",{}", csv_quote(axis.name));
  out += csv_result_header() + "\n";
  const std::string provenance =
      csv_provenance(sweep.scenario_name, sweep.content_hash, sweep.seed);
  for (const SweepRow& row : sweep.rows) {
    out += fmt::format("{},{}", provenance, row.point);
    for (auto& [name, value] : axis_cells(sweep, row.point))
      out += fmt::format(",{}", csv_quote(value_text(value)));
    out += csv_result_cells(row.cells) + "\n";
  }
  return out;
}

std::string format_sweep_table(const SweepResult& sweep) {
  std::vector<TableColumn> columns;
  std::vector<std::size_t> shown_axes;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
    shown_axes.push_back(a);
    // "--workers": the swept pool size, beside each strategy's own "workers" (1 for serial)
    std::string heading = sweep.axes[a].name == "workers" ? "--workers" : sweep.axes[a].name;
    std::replace(heading.begin(), heading.end(), '_', ' ');
    columns.push_back({heading, false, {}});
  }
  const std::size_t axis_columns = columns.size();
  for (const char* heading : {"strategy", "workers", "wall", "speed-up", "CPU use", "GIL wait",
                              "hand-offs", "forced", "latency p50", "latency p99", ""})
    columns.push_back({heading, std::string_view(heading) == "strategy", {}});
  auto cell = [&](const SweepRow& row, const char* name) -> const Json& {
    return row.cells[result_column(name)];
  };
  const std::vector<bool> best = fastest(sweep);
  for (std::size_t r = 0; r < sweep.rows.size(); ++r) {
    const SweepRow& row = sweep.rows[r];
    const bool first_of_point = r == 0 || sweep.rows[r - 1].point != row.point;
    const auto coordinates = grid_coordinates(sweep.axes, row.point);
    for (std::size_t i = 0; i < shown_axes.size(); ++i)
      columns[i].cells.push_back(
          first_of_point ? value_text(sweep.axes[shown_axes[i]].values[coordinates[shown_axes[i]]])
                         : "");
    const bool has_tasks = cell(row, "tasks").get<std::int64_t>() > 0;
    const Json& up = cell(row, "speedup_vs_serial");
    const std::vector<std::string> cells = {
        value_text(cell(row, "strategy")),
        value_text(cell(row, "workers")),
        format_duration(nanos(cell(row, "wall_s"))),
        up.is_null() ? "-" : fmt::format("{:.2f}x", up.get<double>()),
        percent(cell(row, "cpu_utilisation")),
        percent(cell(row, "gil_wait_frac")),
        value_text(cell(row, "gil_handoffs")),
        value_text(cell(row, "forced_switches")),
        has_tasks ? format_duration(nanos(cell(row, "task_latency_p50_s"))) : "-",
        has_tasks ? format_duration(nanos(cell(row, "task_latency_p99_s"))) : "-",
        best[r] ? "*" : ""};
    for (std::size_t i = 0; i < cells.size(); ++i)
      columns[axis_columns + i].cells.push_back(cells[i]);
  }
  std::string out = fmt::format("{}: {}\n", sweep.scenario_name, sweep.description);
  out +=
      fmt::format("sweep: {} grid point{}", sweep.grid_points, sweep.grid_points == 1 ? "" : "s");
  for (const Axis& axis : sweep.axes) out += ", " + axis_argument(axis);
  if (sweep.shard.count > 1)
    out += fmt::format("; shard {}/{} holds {}", sweep.shard.index, sweep.shard.count,
                       sweep.points.size());
  out += fmt::format("\nprofile {}, seed {}\n\n", sweep.profile_name, sweep.seed);
  out += render(columns);
  if (std::find(best.begin(), best.end(), true) != best.end())
    out += "\n* the fastest strategy at its grid point\n";
  return out;
}

SweepResult read_sweep_json(const std::string& text, const std::string& path) {
  const Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded())
    not_a_sweep(path, "it is not valid JSON (a CSV? merge reads the JSON of each shard)");
  try {
    return read_sweep(doc, path);
  } catch (const nlohmann::json::exception& e) {
    not_a_sweep(path, fmt::format("a field has the wrong type ({})", e.what()));
  }
}

}  // namespace gilsim
