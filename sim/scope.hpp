// What part of a run a trace or a timeline shows: a window of virtual time (--trace-window) and
// the threads picked by name (--trace-threads). Both keep long runs small enough to open.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gilsim/units.hpp"

namespace gilsim {

// [from, to) of virtual time; to == kNever: to the end of the run.
struct Window {
  Nanos from = 0;
  Nanos to = kNever;

  bool contains(Nanos t) const { return t >= from && t < to; }
  bool whole() const { return from == 0 && to == kNever; }
};

// "START:END" ("0:50ms", "1s:1.2s", "2s:" to the end, ":50ms" from the start); a UserError
// naming `option` for anything else, or an empty window.
Window parse_window(std::string_view option, std::string_view text);

// A UserError naming `option` if the window starts after the run called `run` ended at `end`.
void check_reaches(const Window& window, std::string_view option, std::string_view run, Nanos end);

// Threads picked by comma-separated name patterns (fnmatch: * and ?), matched against the
// thread's name or "Process/Thread". No patterns: every thread.
class ThreadSelection {
 public:
  ThreadSelection() = default;
  ThreadSelection(std::string_view option, std::string_view patterns);

  bool all() const { return patterns_.empty(); }
  // Whether a new thread is shown; remembers which patterns matched something.
  bool admit(std::string_view process, std::string_view thread);
  // A UserError for the first pattern that matched no thread of the run called `run`.
  void check(std::string_view run) const;

 private:
  std::string option_;
  std::vector<std::string> patterns_;
  std::vector<bool> matched_;
  std::vector<std::string> names_;  // the run's thread names, for the hint
};

}  // namespace gilsim
