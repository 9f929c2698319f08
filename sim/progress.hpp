// A progress line on stderr for long commands: "sweep [#####.....] 17/35 points, ETA 3 s",
// redrawn in place, and only when stderr is a terminal, so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace gilsim {

bool stderr_is_terminal();

class ProgressLine {
 public:
  // Draws nothing when !enabled.
  ProgressLine(std::string label, bool enabled);
  ~ProgressLine();  // erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // share_done (0 to 1) drives the bar and the estimate; the counts are what it says.
  void show(std::size_t done, std::size_t total, std::string_view unit, double share_done);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace gilsim
