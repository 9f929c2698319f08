// sim/grid: every axis syntax, its mistakes, and the grid's points and shards.
#include "grid.hpp"

#include <doctest/doctest.h>

#include <numeric>
#include <set>

#include "gilsim/error.hpp"
#include "user_error.hpp"

using namespace gilsim;
using gilsim::test::error_of;
using Values = std::vector<std::int64_t>;
using Json = nlohmann::ordered_json;

namespace {

Values integers(std::string_view spec) { return parse_integer_values("--cores", spec); }

Axis axis(std::string name, std::vector<Json> values) {
  return {name, "--" + name, "", "/" + name, std::move(values)};
}

}  // namespace

TEST_CASE("integer specs: lists, ranges, steps, powers of two, and all mixed") {
  CHECK(integers("1,2,4,8") == Values{1, 2, 4, 8});
  CHECK(integers("8,1,4") == Values{8, 1, 4});  // the order written
  CHECK(integers("1-5") == Values{1, 2, 3, 4, 5});
  CHECK(integers("3-3") == Values{3});
  CHECK(integers("1-20:8") == Values{1, 9, 17});
  CHECK(integers("1-64:x2") == Values{1, 2, 4, 8, 16, 32, 64});
  CHECK(integers("1-100:x2") == Values{1, 2, 4, 8, 16, 32, 64});
  CHECK(integers("3-30:x3") == Values{3, 9, 27});
  CHECK(integers("1-1000:x10") == Values{1, 10, 100, 1000});
  CHECK(integers(" 1, 2 ,3-4 ") == Values{1, 2, 3, 4});
  CHECK(integers("1,3-4,16-64:x2") == Values{1, 3, 4, 16, 32, 64});
  CHECK(integers("0") == Values{0});  // a range check is the scenario parser's job
  CHECK(integers("1-1024").size() == 1024);
}

TEST_CASE("integer spec mistakes name the option and quote the bad part") {
  const UserError empty_range = error_of([] { integers("8-4"); });
  CHECK(empty_range.where == "--cores");
  CHECK(empty_range.what_wrong == "empty range \"8-4\": it starts after it ends");
  CHECK(error_of([] { integers("1-8:0"); }).what_wrong == "step 0 in \"1-8:0\" never moves");
  CHECK(error_of([] { integers("1-8:x1"); }).what_wrong == "factor x1 in \"1-8:x1\" never grows");
  CHECK(error_of([] { integers("0-8:x2"); }).what_wrong ==
        "a geometric range starts above 0, not at 0 in \"0-8:x2\"");
  CHECK(error_of([] { integers("1-8:y2"); }).what_wrong == "\"y2\" is not a step in \"1-8:y2\"");
  CHECK(error_of([] { integers("two"); }).what_wrong == "\"two\" is not a whole number or a range");
  CHECK(error_of([] { integers("-1"); }).what_wrong == "\"-1\" is not a whole number or a range");
  CHECK(error_of([] { integers("1.5"); }).what_wrong == "\"1.5\" is not a whole number or a range");
  CHECK(error_of([] { integers("99999999999999999999"); }).what_wrong ==
        "\"99999999999999999999\" is not a whole number or a range");
  CHECK(error_of([] { integers("1,,2"); }).what_wrong == "empty value in \"1,,2\"");
  CHECK(error_of([] { integers("1,"); }).what_wrong == "empty value in \"1,\"");
  CHECK(error_of([] { integers(""); }).what_wrong == "no values given");
  CHECK(error_of([] { integers("1-8,4"); }).what_wrong == "4 is listed twice");
  CHECK(error_of([] { integers("1-2000000"); }).what_wrong ==
        "\"1-2000000\" gives more than 1000000 values");
  CHECK_FALSE(error_of([] { integers("8-4"); }).hint.empty());
}

TEST_CASE("duration specs: lists and ranges with a step or a factor, exactly") {
  const auto durations = [](std::string_view spec) {
    std::vector<Nanos> nanos;
    for (const auto& v : parse_duration_values("--switch-interval", spec)) nanos.push_back(v.nanos);
    return nanos;
  };
  const auto texts = [](std::string_view spec) {
    std::vector<std::string> out;
    for (const auto& v : parse_duration_values("--switch-interval", spec)) out.push_back(v.text);
    return out;
  };
  CHECK(texts("0.1ms,1 ms,2ms-3ms:0.5ms") ==
        std::vector<std::string>{"0.1ms", "1 ms", "2ms", "2.5ms", "3ms"});
  CHECK(durations("0.1ms,1ms,5ms,20ms") ==
        std::vector<Nanos>{100 * kMicro, kMilli, 5 * kMilli, 20 * kMilli});
  CHECK(durations("1ms-3ms:500us") ==
        std::vector<Nanos>{kMilli, 1'500'000, 2 * kMilli, 2'500'000, 3 * kMilli});
  CHECK(durations("1ms-16ms:x2") ==
        std::vector<Nanos>{kMilli, 2 * kMilli, 4 * kMilli, 8 * kMilli, 16 * kMilli});
  CHECK(error_of([&] { durations("1ms-5ms"); }).what_wrong ==
        "duration range \"1ms-5ms\" needs a step");
  CHECK(error_of([&] { durations("5"); }).what_wrong == "\"5\" is not a duration");
  CHECK(error_of([&] { durations("5ms-1ms:1ms"); }).what_wrong ==
        "empty range \"5ms-1ms:1ms\": it starts after it ends");
  CHECK(error_of([&] { durations("1ms,1000us"); }).what_wrong == "1ms is listed twice");
  CHECK(error_of([&] { durations("1ms,1 ms"); }).what_wrong == "1ms is listed twice");
}

TEST_CASE("--set values take the type of the field they replace") {
  const Json none;
  const Json number = 4;
  const Json text = "5ms";
  const auto set = [](std::string_view spec, const Json& current) {
    return parse_set_values("--set /x", spec, current);
  };
  CHECK(set("10,100,1000", none) == std::vector<Json>{10, 100, 1000});
  CHECK(set("1-3", number) == std::vector<Json>{1, 2, 3});
  CHECK(set("0.3,-1,1e3,true", none) == std::vector<Json>{0.3, -1, 1000.0, true});
  CHECK(set("1ms,0.5ms", none) == std::vector<Json>{"1ms", "0.5ms"});
  CHECK(set("1ms-3ms:1ms", text) == std::vector<Json>{"1ms", "2ms", "3ms"});
  CHECK(set("3.12,3.13t", Json("3.11")) == std::vector<Json>{"3.12", "3.13t"});
  CHECK(set("fork,spawn", none) == std::vector<Json>{"fork", "spawn"});
  CHECK(error_of([&] { set("1,1", none); }).what_wrong == "1 is listed twice");
  CHECK(error_of([&] { set("4-1", none); }).where == "--set /x");
}

TEST_CASE("the grid: the first axis varies slowest") {
  const std::vector<Axis> axes = {axis("cores", {1, 2, 4}), axis("workers", {8, 16})};
  CHECK(grid_points(axes) == 6);
  CHECK(grid_coordinates(axes, 0) == std::vector<std::size_t>{0, 0});
  CHECK(grid_coordinates(axes, 1) == std::vector<std::size_t>{0, 1});
  CHECK(grid_coordinates(axes, 2) == std::vector<std::size_t>{1, 0});
  CHECK(grid_coordinates(axes, 5) == std::vector<std::size_t>{2, 1});
  CHECK(describe_point(axes, 3) == "--cores 2 --workers 16");
  const std::vector<Axis> set = {{"/seed", "--set", "1,2", "/seed", {1, 2}},
                                 {"switch_interval", "--switch-interval", "", "", {"1ms"}}};
  CHECK(describe_point(set, 1) == "--set /seed=2 --switch-interval 1ms");
}

TEST_CASE("a grid too large to enumerate is refused") {
  std::vector<Json> thousand(1000, 1);
  const std::vector<Axis> axes = {axis("a", thousand), axis("b", thousand), axis("c", thousand)};
  CHECK(error_of([&] { grid_points(axes); }).what_wrong ==
        "the grid has more than 10000000 points");
}

TEST_CASE("shards split the grid into disjoint slices that cover it") {
  for (std::size_t n : {1, 2, 3, 7, 16, 40}) {
    std::multiset<std::size_t> seen;
    for (std::size_t i = 1; i <= n; ++i)
      for (std::size_t p : shard_points(23, Shard{i, n})) {
        seen.insert(p);
        CHECK(shard_of(p, n) == i);
      }
    std::vector<std::size_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    CHECK(std::vector<std::size_t>(seen.begin(), seen.end()) == all);
  }
  CHECK(shard_points(10, Shard{3, 4}) == std::vector<std::size_t>{2, 6});
}

TEST_CASE("shard specs: i/n from 1 to n") {
  CHECK(parse_shard("3/16").index == 3);
  CHECK(parse_shard("3/16").count == 16);
  CHECK(parse_shard("1/1").count == 1);
  CHECK(error_of([] { parse_shard("0/16"); }).what_wrong ==
        "\"0/16\" is not a shard: shards are numbered from 1 to 16");
  CHECK(error_of([] { parse_shard("17/16"); }).what_wrong ==
        "\"17/16\" is not a shard: shards are numbered from 1 to 16");
  CHECK(error_of([] { parse_shard("1/0"); }).what_wrong ==
        "\"1/0\" is not a shard: shards are numbered from 1 to 1");
  CHECK(error_of([] { parse_shard("3"); }).what_wrong == "\"3\" is not a shard");
  CHECK(error_of([] { parse_shard("a/b"); }).where == "--shard");
}
