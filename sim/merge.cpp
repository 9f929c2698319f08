#include "merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "gilsim/error.hpp"
#include "sweep_report.hpp"

namespace gilsim {

namespace {

constexpr std::size_t kListed = 5;  // points named in a message before "and N more"

std::string axes_text(const SweepResult& sweep) {
  std::string text;
  for (const Axis& axis : sweep.axes)
    text += fmt::format("{}{}", text.empty() ? "" : " ", axis_argument(axis));
  return text;
}

// Why two parts' sweep ids differ, in the user's terms.
std::string difference(const SweepResult& a, const SweepResult& b) {
  if (a.content_hash != b.content_hash)
    return fmt::format("a different scenario file (content hash {}, not {})", b.content_hash,
                       a.content_hash);
  if (a.profile_hash != b.profile_hash)
    return fmt::format("a different machine profile (\"{}\", hash {}, not \"{}\", hash {})",
                       b.profile_name, b.profile_hash, a.profile_name, a.profile_hash);
  if (a.strategies != b.strategies)
    return fmt::format("different --strategies (\"{}\", not \"{}\")", b.strategies, a.strategies);
  if (axes_text(a) != axes_text(b))
    return fmt::format("a different grid ({}, not {})", axes_text(b), axes_text(a));
  return "a different gilsim version";
}

void check_same_sweep(const std::vector<SweepPart>& parts) {
  const std::string id = sweep_id(parts.front().sweep);
  for (const SweepPart& part : parts) {
    if (sweep_id(part.sweep) == id) continue;
    throw UserError(part.path,
                    fmt::format("not a part of the same sweep as {}: it comes from {}",
                                parts.front().path, difference(parts.front().sweep, part.sweep)),
                    "merge the shards of one `gilsim sweep` command line, run on one scenario "
                    "file with one gilsim");
  }
}

std::string point_list(const std::vector<std::size_t>& points, const SweepResult& sweep) {
  std::string text;
  for (std::size_t i = 0; i < std::min(points.size(), kListed); ++i)
    text += fmt::format("{}{} ({})", i == 0 ? "" : ", ", points[i],
                        describe_point(sweep.axes, points[i]));
  if (points.size() > kListed) text += fmt::format(" and {} more", points.size() - kListed);
  return text;
}

// Which part holds each grid point; two parts holding one point is an error.
std::vector<int> owners(const std::vector<SweepPart>& parts, std::size_t grid_points) {
  std::vector<int> owner(grid_points, -1);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    std::vector<std::size_t> shared;
    int other = -1;
    for (std::size_t p : parts[k].sweep.points) {
      if (owner[p] >= 0) {
        if (other < 0) other = owner[p];
        if (owner[p] == other) shared.push_back(p);
        continue;
      }
      owner[p] = static_cast<int>(k);
    }
    if (shared.empty()) continue;
    const SweepPart& first = parts[static_cast<std::size_t>(other)];
    throw UserError(parts[k].path,
                    fmt::format("overlaps {}: both hold grid point{} {}", first.path,
                                shared.size() == 1 ? "" : "s", point_list(shared, first.sweep)),
                    first.path == parts[k].path
                        ? "the same file is given twice; give each part once"
                        : "give each shard once: were two shards run with the same --shard i/n?");
  }
  return owner;
}

void check_no_gaps(const std::vector<SweepPart>& parts, const std::vector<int>& owner) {
  std::vector<std::size_t> missing;
  for (std::size_t p = 0; p < owner.size(); ++p)
    if (owner[p] < 0) missing.push_back(p);
  if (missing.empty()) return;
  const SweepResult& sweep = parts.front().sweep;
  std::string hint = "run the sweep for the missing points and merge again";
  const std::size_t n = sweep.shard.count;
  const bool same_count = std::all_of(parts.begin(), parts.end(), [n](const SweepPart& part) {
    return part.sweep.shard.count == n;
  });
  if (same_count) {
    std::set<std::size_t> shards;
    for (std::size_t p : missing) shards.insert(shard_of(p, n));
    std::string list;
    for (std::size_t s : shards) list += fmt::format("{}{}/{}", list.empty() ? "" : ", ", s, n);
    hint = fmt::format("shard{} {} {} missing: run {} with --shard and merge again",
                       shards.size() == 1 ? "" : "s", list, shards.size() == 1 ? "is" : "are",
                       shards.size() == 1 ? "it" : "them");
  }
  throw UserError("merge",
                  fmt::format("{} of the {} grid points are in no part: {}", missing.size(),
                              owner.size(), point_list(missing, sweep)),
                  hint);
}

// A part holds its points in increasing order, and its rows belong to them, in that order.
void check_rows(const SweepPart& part) {
  auto fail = [&](std::string what) {
    throw UserError(part.path, "not a gilsim sweep result: " + what,
                    "give the JSON files written by `gilsim sweep ... -o part.json`");
  };
  const auto& points = part.sweep.points;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i] >= part.sweep.grid_points || (i > 0 && points[i] <= points[i - 1]))
      fail(fmt::format("its shard's points are not increasing grid points at {}", points[i]));
  const std::set<std::size_t> held(points.begin(), points.end());
  for (std::size_t i = 0; i < part.sweep.rows.size(); ++i) {
    const std::size_t point = part.sweep.rows[i].point;
    if (!held.count(point))
      fail(fmt::format("a row of grid point {}, which its shard does not hold", point));
    if (i > 0 && point < part.sweep.rows[i - 1].point)
      fail(fmt::format("its rows are not in grid order at point {}", point));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError(path, std::string("cannot open the sweep part: ") + std::strerror(errno),
                    "check the path, e.g. part1.json");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

SweepResult merge_sweeps(const std::vector<SweepPart>& parts) {
  if (parts.empty())
    throw UserError("merge", "no parts given", "e.g. gilsim merge part*.json -o all.csv");
  check_same_sweep(parts);
  for (const SweepPart& part : parts) check_rows(part);
  const SweepResult& first = parts.front().sweep;
  const std::vector<int> owner = owners(parts, first.grid_points);
  check_no_gaps(parts, owner);

  SweepResult whole = first;
  whole.shard = Shard{};
  whole.points.clear();
  whole.rows.clear();
  // Each part's rows are in point order: walk the points, taking each from its part.
  std::vector<std::size_t> next(parts.size(), 0);
  for (std::size_t p = 0; p < first.grid_points; ++p) {
    whole.points.push_back(p);
    const auto k = static_cast<std::size_t>(owner[p]);
    const auto& rows = parts[k].sweep.rows;
    while (next[k] < rows.size() && rows[next[k]].point < p) ++next[k];
    while (next[k] < rows.size() && rows[next[k]].point == p) whole.rows.push_back(rows[next[k]++]);
  }
  return whole;
}

SweepResult merge_files(const std::vector<std::string>& paths) {
  std::vector<SweepPart> parts;
  for (const std::string& path : paths)
    parts.push_back({path, read_sweep_json(read_file(path), path)});
  return merge_sweeps(parts);
}

}  // namespace gilsim
