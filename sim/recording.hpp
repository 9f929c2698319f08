// Which runs of a `gilsim run` are recorded, and where: the trace (--trace) and the timeline
// picture (--timeline) of one strategy, or of each. The rule, documented in
// docs/reading-a-trace.md:
// - --trace-strategy picks one run: by its name (below), its label ("processes (fork)") or its
//   kind ("processes") if only one run is of that kind;
// - otherwise a file name with "{strategy}" records every run, one file each, "{strategy}"
//   replaced by the run's name: its label as a file name ("processes-fork"), with the workers
//   added when two runs share a label ("threads-6", "threads-64");
// - otherwise the file records the only strategy other than serial (serial if it is alone);
//   with several, an error asks which.
// Every file is written to a temporary file while its run goes, and renamed by commit() once
// every run has finished: a failing command leaves no file behind.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gilsim/result.hpp"
#include "gilsim/scenario.hpp"
#include "observe.hpp"
#include "output.hpp"
#include "scope.hpp"

namespace gilsim {

struct RecordingOptions {
  std::string trace;            // --trace FILE.json
  std::string timeline;         // --timeline FILE.svg
  std::string strategy;         // --trace-strategy NAME
  std::string window;           // --trace-window START:END
  std::string timeline_window;  // --timeline-window START:END (default: --trace-window, or 0:50ms)
  std::string threads;          // --trace-threads NAME,...
};

class TraceWriter;
class Timeline;

class Recording {
 public:
  // `runs` are the strategies `gilsim run` simulates, in order (the serial baseline included).
  // Checks every option before anything runs: UserErrors.
  Recording(const RecordingOptions& options, const Scenario& scenario,
            const std::vector<StrategySpec>& runs, int cores, std::string profile);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  // The subscriber for run `i` (nullptr if nothing records it); opens its files.
  Observer* start(std::size_t i);
  // Ends run `i`'s recordings (its files stay temporary).
  void finish(std::size_t i, const RunResult& result);
  // Renames every finished file into place.
  void commit();

 private:
  struct Recorders {
    std::unique_ptr<TraceWriter> trace;
    std::unique_ptr<Timeline> timeline;
    std::unique_ptr<StreamedOutput> picture;  // the timeline's file
    FanOut both;
  };
  std::size_t named(const std::string& wanted) const;
  std::vector<std::size_t> recorded_runs(const std::string& option, const std::string& path) const;
  std::string other_data(std::size_t i) const;
  std::string title(std::size_t i) const;

  RecordingOptions options_;
  const Scenario& scenario_;
  std::vector<StrategySpec> runs_;
  std::vector<std::string> labels_;
  std::vector<std::string> names_;     // unique, for file names and --trace-strategy
  std::optional<std::size_t> chosen_;  // --trace-strategy's run
  std::vector<int> workers_;
  std::vector<std::string> pythons_;  // the build each run is on: 3.11, 3.14t
  int cores_;
  std::string profile_;
  Window trace_window_;
  Window timeline_window_;
  std::string timeline_window_option_;
  std::vector<bool> traced_;
  std::vector<bool> drawn_;
  std::vector<std::unique_ptr<Recorders>> recorders_;
};

}  // namespace gilsim
