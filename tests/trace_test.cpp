// The trace writer and the timeline, fed a short scripted observation stream: a convoy in
// miniature (a holder forced to drop the GIL for a waiter), written, clipped and filtered.
#include "trace.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gilsim/error.hpp"
#include "timeline.hpp"

using namespace gilsim;
namespace fs = std::filesystem;

namespace {

// MainThread (tid 0) runs Python from 0; io (tid 1) starts at 1.5 us and waits for the GIL; at
// 5.0015 ms io's wait times out and it asks for the GIL, the holder drops it 1 us later (a
// forced switch) and io takes it 10 us after that; both exit at 6 ms.
void convoy_in_miniature(Observer& o) {
  o.process_created(0, "MainProcess", 0);
  o.thread_created(0, 0, "MainThread", 0);
  o.state_changed(0, ThreadState::runnable, 0);
  o.state_changed(0, ThreadState::python, 0);
  o.gil_taken(0, -1, 0, 0);
  o.thread_created(1, 0, "io", 1500);
  o.state_changed(1, ThreadState::runnable, 1500);
  o.state_changed(1, ThreadState::gil_wait, 1501);
  o.drop_requested(0, 1, 0, 5'001'500);
  o.gil_released(0, 0, 5'002'500);
  o.forced_switch(0, 0, 5'002'500);
  o.state_changed(0, ThreadState::gil_wait, 5'002'500);
  o.gil_taken(0, 0, 1, 5'012'500);
  o.state_changed(1, ThreadState::python, 5'012'500);
  o.gil_released(0, 1, 6'000'000);
  o.state_changed(1, ThreadState::exited, 6'000'000);
  o.state_changed(0, ThreadState::exited, 6'000'000);
}

struct TempDir {
  TempDir()
      : path(fs::temp_directory_path() / ("gilsim-trace-test-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path path;
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json events(const std::string& text) {
  return nlohmann::json::parse(text)["traceEvents"];
}

std::vector<nlohmann::json> with(const nlohmann::json& all, const std::string& ph, int tid = -1) {
  std::vector<nlohmann::json> out;
  for (const auto& e : all)
    if (e["ph"] == ph && (tid < 0 || e["tid"] == tid)) out.push_back(e);
  return out;
}

std::string write_trace(const TempDir& dir, Window window, ThreadSelection threads = {}) {
  const auto path = (dir.path / "t.json").string();
  {
    TraceWriter trace(path, R"({"scenario":"mini"})", window, std::move(threads), "program");
    convoy_in_miniature(trace);
    trace.finish(6'000'000);
    CHECK_FALSE(fs::exists(path));  // only a temporary file until the commit
    trace.commit();
  }
  return read(path);
}

}  // namespace

TEST_CASE("the trace has one slice per state, times in us with the ns kept") {
  TempDir dir;
  const std::string text = write_trace(dir, Window{});
  CHECK(text.rfind(R"({"displayTimeUnit":"ns","otherData":{"scenario":"mini"},"traceEvents":[)",
                   0) == 0);
  CHECK(
      text.find(
          R"("name":"Waiting for GIL","cname":"terrible","pid":1,"tid":2,"ts":1.501,"dur":5010.999})") !=
      std::string::npos);
  CHECK(
      text.find(
          R"("name":"Python Code","cname":"thread_state_running","pid":1,"tid":1,"ts":0,"dur":5002.5})") !=
      std::string::npos);
  const auto all = events(text);
  CHECK(with(all, "X", 1).size() == 2);  // runnable has no length: no slice; Python, GIL wait
  CHECK(with(all, "X", 2).size() == 3);  // runnable 1 ns, GIL wait, Python
  CHECK(with(all, "X", TraceWriter::kGilTidBase).size() == 2);  // MainThread's, io's holding
}

TEST_CASE("a hand-off is a flow from the dropper's release to the taker's take") {
  TempDir dir;
  const auto all = events(write_trace(dir, Window{}));
  const auto starts = with(all, "s"), finishes = with(all, "f");
  REQUIRE(starts.size() == 1);
  REQUIRE(finishes.size() == 1);
  CHECK(starts[0]["tid"] == 1);
  CHECK(starts[0]["ts"] == 5002.5);
  CHECK(finishes[0]["tid"] == 2);
  CHECK(finishes[0]["ts"] == 5012.5);
  CHECK(finishes[0]["bp"] == "e");
  CHECK(starts[0]["id"] == finishes[0]["id"]);
  const auto instants = with(all, "i");
  REQUIRE(instants.size() == 2);
  CHECK(instants[0]["name"] == "GIL drop request");
  CHECK(instants[0]["tid"] == 2);
  CHECK(instants[0]["args"]["holder"] == "MainThread");
  CHECK(instants[1]["name"] == "Forced switch");
  CHECK(instants[1]["tid"] == 1);
}

TEST_CASE("a window clips slices and starts the counters at its start") {
  TempDir dir;
  const auto all = events(write_trace(dir, Window{5'000'000, 5'010'000}));
  for (const auto& x : with(all, "X")) {
    CHECK(x["ts"].get<double>() >= 5000.0);
    CHECK(x["ts"].get<double>() + x["dur"].get<double>() <= 5010.0 + 1e-9);
  }
  CHECK(with(all, "f").empty());  // the take at 5.0125 ms is outside: no half a flow
  const auto counters = with(all, "C");
  REQUIRE_FALSE(counters.empty());
  CHECK(counters[0]["ts"] == 5000);
  CHECK(counters[0]["args"]["holder tid"] == 1);  // MainThread held it then
}

TEST_CASE("a thread filter leaves out other threads' tracks and flows") {
  TempDir dir;
  const auto all = events(write_trace(dir, Window{}, ThreadSelection("--trace-threads", "io")));
  CHECK(with(all, "X", 1).empty());
  CHECK_FALSE(with(all, "X", 2).empty());
  CHECK(with(all, "s").empty());
}

TEST_CASE("an unfinished trace leaves no file, not even a temporary one") {
  TempDir dir;
  {
    TraceWriter trace((dir.path / "t.json").string(), "{}", Window{}, {}, "program");
    convoy_in_miniature(trace);
  }
  CHECK(dir.files().empty());
  CHECK_THROWS_AS(TraceWriter((dir.path / "no" / "t.json").string(), "{}", Window{}, {}, "x"),
                  UserError);
}

TEST_CASE("the timeline draws a row per thread and marks the switch") {
  Timeline timeline(Window{0, 50 * kMilli}, "--timeline-window", {}, "mini", "program");
  convoy_in_miniature(timeline);
  timeline.finish(6'000'000);
  const std::string svg = timeline.svg();
  CHECK(svg.find(R"(<g class="thread" data-tid="0" data-name="MainThread">)") != std::string::npos);
  CHECK(svg.find(R"(<g class="thread" data-tid="1" data-name="io">)") != std::string::npos);
  CHECK(svg.find(R"(class="handoff")") != std::string::npos);
  CHECK(svg.find(R"(class="request")") != std::string::npos);
  CHECK(svg.find(R"(class="forced")") != std::string::npos);
  CHECK(svg.find(">6 ms<") != std::string::npos);  // the run ends before the window: axis to 6 ms
}
