// sim/scenario_edit: the sweep's edits of a scenario document, and the blame for a mistake.
#include "scenario_edit.hpp"

#include <doctest/doctest.h>

#include "gilsim/error.hpp"
#include "scenario.hpp"
#include "user_error.hpp"

using namespace gilsim;
using gilsim::test::error_of;

namespace {

const char* kWorkload = R"({"workload": {"tasks": [{"count": 2, "ops": [{"cpu": "1ms"}]}]},
  "strategies": ["serial", {"kind": "threads", "workers": 4}, {"kind": "threads", "workers": 8}]})";
const char* kDefaults = R"({"workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]}})";
const char* kProgram = R"({"program": {"threads": [{"name": "a", "ops": [{"cpu": "1ms"}]}]}})";

Document doc(const char* text) { return Document::parse(text); }
Scenario parsed(const char* text) { return parse_scenario(text, "s.json"); }

}  // namespace

TEST_CASE("set_field writes a field, adding missing objects on the way") {
  Document d = doc(kDefaults);
  set_field(d, "/machine/cores", 8, "--cores");
  set_field(d, "/workload/tasks/0/count", 10, "--set");
  set_field(d, "/workload/tasks/0/ops/0/cpu", "2ms", "--set");
  CHECK(d["machine"]["cores"] == 8);
  CHECK(d["workload"]["tasks"][0]["count"] == 10);
  CHECK(d["workload"]["tasks"][0]["ops"][0]["cpu"] == "2ms");
  CHECK(parse_edited(d, "s.json", "--x").machine.cores == 8);
}

TEST_CASE("find_field finds a field or says the scenario leaves it out") {
  const Document d = doc(kWorkload);
  REQUIRE(find_field(d, "/workload/tasks/0/count", "--set") != nullptr);
  CHECK(*find_field(d, "/workload/tasks/0/count", "--set") == 2);
  CHECK(find_field(d, "/workload/tasks/0/repeat", "--set") == nullptr);
  CHECK(find_field(d, "/machine/cores", "--set") == nullptr);
}

TEST_CASE("a path a sweep cannot set is a mistake naming the option") {
  Document d = doc(kWorkload);
  const UserError element = error_of(
      [&] { set_field(d, "/workload/tasks/3/count", 1, "--set /workload/tasks/3/count"); });
  CHECK(element.where == "--set /workload/tasks/3/count");
  CHECK(element.what_wrong ==
        "the scenario has no /workload/tasks/3: /workload/tasks has 1 element");
  CHECK(element.hint == "use an index from 0 to 0");
  CHECK(error_of([&] { set_field(d, "/workload/tasks/0/count/x", 1, "--set"); }).what_wrong ==
        "the scenario has no /workload/tasks/0/count/x: /workload/tasks/0/count is a number, "
        "not an object");
  CHECK(error_of([&] { find_field(d, "/workload/tasks/x/count", "--set"); }).what_wrong ==
        "the scenario has no /workload/tasks/x: /workload/tasks has 1 element");
  CHECK(error_of([&] { set_field(d, "workload", 1, "--set"); }).what_wrong ==
        "\"workload\" is not a JSON pointer");
  CHECK(error_of([&] { set_field(d, "", 1, "--set"); }).what_wrong == "\"\" names no field");
}

TEST_CASE("--strategies keeps the scenario's strategies of each kind, in the order given") {
  Document d = doc(kWorkload);
  select_strategies(d, parsed(kWorkload), {"threads", "serial"});
  CHECK(d["strategies"] == Document::parse(
                               R"([{"kind": "threads", "workers": 4},
                                   {"kind": "threads", "workers": 8}, "serial"])"));
  Document e = doc(kDefaults);
  select_strategies(e, parsed(kDefaults), {"threads", "processes"});
  CHECK(e["strategies"] == Document::parse(R"(["threads", "processes"])"));
}

TEST_CASE("--workers sizes every pool, and pools of one kind become one") {
  Document d = doc(kWorkload);
  set_workers(d, parsed(kWorkload), 16);
  CHECK(d["strategies"] == Document::parse(R"(["serial", {"kind": "threads", "workers": 16}])"));
  Document e = doc(kDefaults);  // no "strategies": the parsed defaults are written out
  set_workers(e, parsed(kDefaults), 2);
  // the defaults for CPU work on 3.11: serial, threads, processes, free-threaded
  CHECK(e["strategies"] == Document::parse(R"(["serial", {"kind": "threads", "workers": 2},
                                                {"kind": "processes", "workers": 2},
                                                {"kind": "free-threaded", "workers": 2}])"));
  CHECK(parse_edited(e, "s.json", "--workers 2").strategies[1].workers == 2);
}

TEST_CASE("--workers and --strategies need a workload with a pool") {
  Document serial_only = doc(R"({"workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]},
                                 "strategies": ["serial"]})");
  const UserError none =
      error_of([&] { set_workers(serial_only, parse_scenario(serial_only.dump(), "s.json"), 4); });
  CHECK(none.where == "--workers");
  CHECK(none.what_wrong == "none of the scenario's strategies (serial) has a pool of workers");
  Document program = doc(kProgram);
  CHECK(error_of([&] { set_workers(program, parsed(kProgram), 4); }).what_wrong ==
        "the scenario is a \"program\": its threads run as written, with no strategies to "
        "choose or pools to size");
  CHECK(error_of([&] { select_strategies(program, parsed(kProgram), {"serial"}); }).where ==
        "--strategies");
}

TEST_CASE("a mistake in an edited document is blamed on the option that made it") {
  Document d = doc(kDefaults);
  set_field(d, "/machine/cores", 0, "--cores");
  const UserError own = error_of(
      [&] { parse_edited(d, "s.json", "--cores 0", "/machine/cores", "e.g. --cores 1,2,4"); });
  CHECK(own.where == "--cores 0");
  CHECK(own.what_wrong == "expected an integer from 1 to 4096, found the number 0");
  CHECK(own.hint == "e.g. --cores 1,2,4");
  const UserError other = error_of([&] { parse_edited(d, "s.json", "grid point 3"); });
  CHECK(other.where == "grid point 3");
  CHECK(other.what_wrong ==
        "/machine/cores: expected an integer from 1 to 4096, found the number 0");
  CHECK(other.hint == "e.g. \"cores\": 4");
  Document w = doc(kWorkload);
  set_workers(w, parsed(kWorkload), 0);
  const UserError glob = error_of([&] {
    parse_edited(w, "s.json", "--workers 0", "/strategies/*/workers", "e.g. --workers 4,8");
  });
  CHECK(glob.what_wrong == "expected an integer from 1 to 100000, found the number 0");
}
