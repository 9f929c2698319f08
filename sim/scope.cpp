#include "scope.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>

#include "gilsim/error.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

constexpr std::size_t kNamesInHint = 8;

Nanos window_end(std::string_view option, std::string_view text, Nanos if_empty) {
  if (text.empty()) return if_empty;
  if (text == "0") return 0;
  const auto parsed = parse_duration(text);
  if (!parsed)
    throw UserError(std::string(option), fmt::format("\"{}\" is not a duration", text),
                    "write a number and a unit (ns, us, ms or s), e.g. 0:50ms or 1s:1.2s");
  return *parsed;
}

}  // namespace

Window parse_window(std::string_view option, std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    throw UserError(std::string(option), fmt::format("\"{}\" is not START:END", text),
                    "write two durations, e.g. 0:50ms or 1s:1.2s; leave one out for the start "
                    "or the end of the run, e.g. 2s:");
  Window window;
  window.from = window_end(option, text.substr(0, colon), 0);
  window.to = window_end(option, text.substr(colon + 1), kNever);
  if (window.to <= window.from)
    throw UserError(std::string(option),
                    fmt::format("the window \"{}\" ends before it starts", text),
                    "END must be later than START, e.g. 0:50ms");
  return window;
}

void check_reaches(const Window& window, std::string_view option, std::string_view run, Nanos end) {
  if (window.from == 0 || window.from < end) return;
  throw UserError(std::string(option),
                  fmt::format("the window starts at {}, after the {} run ended (at {})",
                              format_duration(window.from), run, format_duration(end)),
                  fmt::format("pick a START before {}", format_duration(end)));
}

ThreadSelection::ThreadSelection(std::string_view option, std::string_view patterns)
    : option_(option) {
  while (!patterns.empty()) {
    const auto comma = std::min(patterns.find(','), patterns.size());
    std::string_view pattern = patterns.substr(0, comma);
    patterns.remove_prefix(std::min(comma + 1, patterns.size()));
    while (!pattern.empty() && pattern.front() == ' ') pattern.remove_prefix(1);
    while (!pattern.empty() && pattern.back() == ' ') pattern.remove_suffix(1);
    if (pattern.empty())
      throw UserError(option_, "an empty thread name in the list",
                      "separate names with single commas, e.g. MainThread,io");
    patterns_.emplace_back(pattern);
  }
  matched_.assign(patterns_.size(), false);
}

bool ThreadSelection::admit(std::string_view process, std::string_view thread) {
  if (all()) return true;
  if (names_.size() <= kNamesInHint &&
      std::find(names_.begin(), names_.end(), thread) == names_.end())
    names_.emplace_back(thread);
  const std::string name(thread);
  const std::string qualified = fmt::format("{}/{}", process, thread);
  bool admitted = false;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const char* pattern = patterns_[i].c_str();
    if (::fnmatch(pattern, name.c_str(), FNM_PATHNAME) == 0 ||
        ::fnmatch(pattern, qualified.c_str(), FNM_PATHNAME) == 0)
      admitted = matched_[i] = true;
  }
  return admitted;
}

void ThreadSelection::check(std::string_view run) const {
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    if (matched_[i]) continue;
    std::string names;
    for (std::size_t n = 0; n < std::min(names_.size(), kNamesInHint); ++n)
      names += fmt::format("{}{}", n == 0 ? "" : ", ", names_[n]);
    if (names_.size() > kNamesInHint) names += ", ...";
    throw UserError(option_,
                    fmt::format("no thread of the {} run is called \"{}\"", run, patterns_[i]),
                    fmt::format("its threads are {}; * and ? are wildcards, and "
                                "\"Process/Thread\" picks a thread of one process",
                                names));
  }
}

}  // namespace gilsim
