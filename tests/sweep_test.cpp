// sim/sweep, sim/merge, sim/host_jobs: a grid run in any number of host threads gives the same
// rows; shards merged give the whole; merge refuses parts that do not fit together.
#include "sweep.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "gilsim/error.hpp"
#include "host_jobs.hpp"
#include "merge.hpp"
#include "sweep_report.hpp"
#include "user_error.hpp"

using namespace gilsim;
using gilsim::test::error_of;

namespace {

std::string mixed() { return std::string(GILSIM_SOURCE_DIR) + "/scenarios/mixed.json"; }

SweepRequest request(int jobs, std::string shard = "1/1") {
  SweepRequest r;
  r.scenario = mixed();
  r.cores = "1-4:x2";
  r.workers = "2,8";
  r.jobs = jobs;
  r.shard = std::move(shard);
  return r;
}

SweepResult sweep(const SweepRequest& r) { return run_sweep(plan_sweep(r)); }

std::vector<SweepPart> shards(std::size_t n) {
  std::vector<SweepPart> parts;
  for (std::size_t i = 1; i <= n; ++i)
    parts.push_back({"part" + std::to_string(i) + ".json",
                     sweep(request(2, std::to_string(i) + "/" + std::to_string(n)))});
  return parts;
}

}  // namespace

TEST_CASE("run_jobs runs every index once and reports the lowest failure") {
  for (int threads : {1, 2, 8}) {
    std::vector<std::atomic<int>> runs(50);
    run_jobs(runs.size(), threads, [&](std::size_t i) { ++runs[i]; });
    for (const auto& r : runs) CHECK(r == 1);
    CHECK_THROWS_WITH(run_jobs(50, threads,
                               [](std::size_t i) {
                                 if (i % 7 == 3) throw std::runtime_error(std::to_string(i));
                               }),
                      "3");
  }
}

TEST_CASE("a sweep gives the same bytes on 1, 2 and 8 host threads") {
  const SweepResult one = sweep(request(1));
  CHECK(one.grid_points == 6);
  CHECK(one.rows.size() == 12);  // serial and threads at each point
  const std::string json = format_sweep_json(one);
  CHECK(format_sweep_json(sweep(request(2))) == json);
  CHECK(format_sweep_json(sweep(request(8))) == json);
}

TEST_CASE("rows come in grid order, strategies in the scenario's order, speed-up per point") {
  const SweepResult s = sweep(request(2));
  const std::size_t strategy = result_column("strategy");
  const std::size_t cores = result_column("cores");
  const std::size_t workers = result_column("workers");
  const std::size_t speedup = result_column("speedup_vs_serial");
  const std::size_t wall = result_column("wall_s");
  for (std::size_t r = 0; r < s.rows.size(); ++r) {
    const SweepRow& row = s.rows[r];
    CHECK(row.point == r / 2);
    CHECK(row.cells[strategy] == (r % 2 == 0 ? "serial" : "threads"));
    const auto at = grid_coordinates(s.axes, row.point);
    CHECK(row.cells[cores] == s.axes[0].values[at[0]]);
    if (r % 2 == 1) {
      CHECK(row.cells[workers] == s.axes[1].values[at[1]]);
      const double serial = s.rows[r - 1].cells[wall].get<double>();
      CHECK(row.cells[speedup].get<double>() ==
            doctest::Approx(serial / row.cells[wall].get<double>()));
    }
  }
  // serial does not read the pool size: the same result at both pool sizes
  CHECK(s.rows[0].cells == s.rows[2].cells);
}

TEST_CASE("shards merged give the whole sweep, byte for byte") {
  const std::string whole = format_sweep_json(sweep(request(2)));
  for (std::size_t n : {1, 3, 6, 8}) {
    const SweepResult merged = merge_sweeps(shards(n));
    CHECK(format_sweep_json(merged) == whole);
  }
}

TEST_CASE("a shard's JSON reads back as it was written") {
  const SweepResult part = sweep(request(1, "2/3"));
  const std::string json = format_sweep_json(part);
  const SweepResult back = read_sweep_json(json, "part.json");
  CHECK(format_sweep_json(back) == json);
  CHECK(format_sweep_csv(back) == format_sweep_csv(part));
  CHECK(back.points == std::vector<std::size_t>{1, 4});
}

TEST_CASE("merge refuses overlapping parts, naming both files and the points") {
  auto parts = shards(3);
  parts.push_back({"again.json", parts[1].sweep});
  const UserError e = error_of([&] { merge_sweeps(parts); });
  CHECK(e.where == "again.json");
  CHECK(e.what_wrong ==
        "overlaps part2.json: both hold grid points 1 (--cores 1 --workers 8), "
        "4 (--cores 4 --workers 2)");
}

TEST_CASE("merge refuses gaps, naming the missing points and shards") {
  auto parts = shards(3);
  parts.erase(parts.begin() + 1);
  const UserError e = error_of([&] { merge_sweeps(parts); });
  CHECK(e.where == "merge");
  CHECK(e.what_wrong ==
        "2 of the 6 grid points are in no part: 1 (--cores 1 --workers 8), "
        "4 (--cores 4 --workers 2)");
  CHECK(e.hint == "shard 2/3 is missing: run it with --shard and merge again");
}

TEST_CASE("merge refuses a part of another sweep, saying how it differs") {
  auto parts = shards(2);
  SweepRequest other = request(2, "2/2");
  other.workers = "2,4";
  parts[1] = {"other.json", sweep(other)};
  const UserError grid = error_of([&] { merge_sweeps(parts); });
  CHECK(grid.where == "other.json");
  CHECK(grid.what_wrong ==
        "not a part of the same sweep as part1.json: it comes from a "
        "different grid (--cores 1-4:x2 --workers 2,4, not --cores 1-4:x2 "
        "--workers 2,8)");
  parts[1].sweep = parts[0].sweep;
  parts[1].sweep.content_hash = "0123456789abcdef";
  CHECK(error_of([&] { merge_sweeps(parts); }).what_wrong.find("a different scenario file") !=
        std::string::npos);
}

TEST_CASE("merge refuses what is not a sweep's JSON") {
  CHECK(error_of([] { read_sweep_json("a,b\n1,2\n", "part.csv"); }).what_wrong ==
        "not a gilsim sweep result: it is not valid JSON (a CSV? merge reads the JSON of each "
        "shard)");
  CHECK(error_of([] { read_sweep_json("{\"kind\": \"sweep\"}", "p.json"); }).what_wrong ==
        "not a gilsim sweep result: no \"schema_version\" in the top level");
  std::string edited = format_sweep_json(sweep(request(1, "1/2")));
  const std::size_t hash = edited.find("\"content_hash\": \"") + 17;
  edited.replace(hash, 16, "0000000000000000");
  CHECK(error_of([&] { read_sweep_json(edited, "p.json"); }).what_wrong ==
        "not a gilsim sweep result: its sweep_id does not match its content (was it edited?)");
}

TEST_CASE("a request with nothing to sweep is a mistake") {
  SweepRequest r = request(1);
  r.cores.clear();
  r.workers.clear();
  CHECK(error_of([&] { plan_sweep(r); }).what_wrong == "nothing to sweep: no axis given");
}
