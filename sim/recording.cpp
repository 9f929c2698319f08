#include "recording.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "gilsim/error.hpp"
#include "plan.hpp"
#include "scenario.hpp"
#include "timeline.hpp"
#include "trace.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

constexpr std::string_view kPlaceholder = "{strategy}";
constexpr Window kDefaultTimelineWindow{0, 50 * kMilli};

std::string with_strategy(std::string path, const std::string& label) {
  for (auto at = path.find(kPlaceholder); at != std::string::npos;
       at = path.find(kPlaceholder, at + label.size()))
    path.replace(at, kPlaceholder.size(), label);
  return path;
}

// "processes (fork, chunks of 4)" -> "processes-fork-chunks-of-4": a label as a file name part.
std::string slug(std::string_view label) {
  std::string out;
  for (char c : label) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string list(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += fmt::format("{}{}", i == 0 ? "" : ", ", names[i]);
  return text;
}

// "trace.json" -> "trace-{strategy}.json", for the hint.
std::string per_strategy_example(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return path + "-{strategy}";
  return path.substr(0, dot) + "-{strategy}" + path.substr(dot);
}

void only_with(const std::string& value, const char* option, const char* needs) {
  if (!value.empty())
    throw UserError(option, fmt::format("only applies with {}", needs),
                    fmt::format("add {} or leave {} out", needs, option));
}

}  // namespace

Recording::Recording(const RecordingOptions& options, const Scenario& scenario,
                     const std::vector<StrategySpec>& runs, int cores, std::string profile)
    : options_(options),
      scenario_(scenario),
      runs_(runs),
      cores_(cores),
      profile_(std::move(profile)) {
  for (const auto& run : runs_) {
    const Program program = plan(scenario, run, cores);
    labels_.push_back(program.label);
    workers_.push_back(program.workers);
    pythons_.push_back(std::string(to_string(program.python)));
    names_.push_back(slug(program.label));
  }
  // Two runs with one label ("threads" with 6 and with 64 workers) are told apart by their
  // workers, then by their place in the list.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (std::count(names_.begin(), names_.end(), names_[i]) > 1) {
        const std::string same = names_[i];
        for (std::size_t j = 0; j < names_.size(); ++j)
          if (names_[j] == same)
            names_[j] += pass == 0 ? fmt::format("-{}", workers_[j]) : fmt::format("-{}", j + 1);
      }
  const bool any = !options_.trace.empty() || !options_.timeline.empty();
  if (!any) {
    only_with(options_.strategy, "--trace-strategy", "--trace or --timeline");
    only_with(options_.window, "--trace-window", "--trace or --timeline");
    only_with(options_.threads, "--trace-threads", "--trace or --timeline");
  }
  if (options_.timeline.empty())
    only_with(options_.timeline_window, "--timeline-window", "--timeline");
  if (!options_.trace.empty() && options_.trace == options_.timeline)
    throw UserError("--timeline", fmt::format("\"{}\" is also the --trace file", options_.timeline),
                    "give the trace and the picture different names, e.g. run.json and run.svg");
  if (!options_.window.empty()) trace_window_ = parse_window("--trace-window", options_.window);
  timeline_window_option_ = !options_.timeline_window.empty() ? "--timeline-window"
                            : !options_.window.empty()        ? "--trace-window"
                                                              : "";
  timeline_window_ = !options_.timeline_window.empty()
                         ? parse_window("--timeline-window", options_.timeline_window)
                     : !options_.window.empty() ? trace_window_
                                                : kDefaultTimelineWindow;
  if (timeline_window_option_.empty()) timeline_window_option_ = "--timeline-window";
  ThreadSelection("--trace-threads", options_.threads);  // its mistakes, now

  if (!options_.strategy.empty()) chosen_ = named(options_.strategy);
  traced_.assign(runs_.size(), false);
  drawn_.assign(runs_.size(), false);
  for (std::size_t i : recorded_runs("--trace", options_.trace)) traced_[i] = true;
  for (std::size_t i : recorded_runs("--timeline", options_.timeline)) drawn_[i] = true;
  recorders_.resize(runs_.size());
}

Recording::~Recording() = default;

// The run --trace-strategy names: by its name ("threads-64", "processes-fork"), its label
// ("processes (fork)"), or its kind ("processes") when only one run is of that kind.
std::size_t Recording::named(const std::string& wanted) const {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == wanted || labels_[i] == wanted) found.push_back(i);
  if (found.empty())
    for (std::size_t i = 0; i < runs_.size(); ++i)
      if (to_string(runs_[i].kind) == wanted) found.push_back(i);
  if (found.size() == 1) return found.front();
  if (found.empty())
    throw UserError("--trace-strategy", fmt::format("this run has no strategy \"{}\"", wanted),
                    fmt::format("its strategies are {}", list(names_)));
  std::vector<std::string> which;
  for (std::size_t i : found) which.push_back(names_[i]);
  throw UserError("--trace-strategy", fmt::format("several strategies are \"{}\"", wanted),
                  fmt::format("name one of them: {}", list(which)));
}

// The runs the file `path` of `option` records, by the rule in recording.hpp.
std::vector<std::size_t> Recording::recorded_runs(const std::string& option,
                                                  const std::string& path) const {
  if (path.empty()) return {};
  if (chosen_) return {*chosen_};
  std::vector<std::size_t> chosen;
  if (path.find(kPlaceholder) != std::string::npos) {
    for (std::size_t i = 0; i < runs_.size(); ++i) chosen.push_back(i);
    return chosen;
  }
  std::vector<std::string> others;
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (runs_[i].kind != StrategyKind::serial) {
      chosen.push_back(i);
      others.push_back(names_[i]);
    }
  if (chosen.empty() && runs_.size() == 1) chosen.push_back(0);
  if (chosen.size() > 1)
    throw UserError(option,
                    fmt::format("the scenario compares {} strategies ({}): which one should \"{}\" "
                                "show?",
                                names_.size(), list(names_), path),
                    fmt::format("add --trace-strategy {}, or put {{strategy}} in the file name "
                                "for one file per strategy: {} {}",
                                others.front(), option, per_strategy_example(path)));
  return chosen;
}

std::string Recording::other_data(std::size_t i) const {
  nlohmann::ordered_json data;
  data["generator"] = std::string("gilsim ") + GILSIM_VERSION;
  data["scenario"] = scenario_.name;
  data["content_hash"] = scenario_.content_hash;
  data["seed"] = scenario_.seed;
  data["strategy"] = labels_[i];
  data["run"] = names_[i];
  data["workers"] = workers_[i];
  data["python"] = pythons_[i];
  data["cores"] = cores_;
  data["profile"] = profile_;
  data["switch_interval_ns"] = scenario_.switch_interval;
  data["window_ns"] = {trace_window_.from, trace_window_.to == kNever
                                               ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(trace_window_.to)};
  data["threads"] = options_.threads.empty() ? "all" : options_.threads;
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Recording::title(std::size_t i) const {
  const bool pool = runs_[i].kind != StrategyKind::program && workers_[i] > 1;
  const std::string workers = pool ? fmt::format(", {} workers", workers_[i]) : "";
  return fmt::format("{}: {}{} on {} cores, switch interval {}", scenario_.name, labels_[i],
                     workers, cores_, format_duration(scenario_.switch_interval));
}

Observer* Recording::start(std::size_t i) {
  if (!traced_[i] && !drawn_[i]) return nullptr;
  auto r = std::make_unique<Recorders>();
  if (traced_[i])
    r->trace = std::make_unique<TraceWriter>(
        with_strategy(options_.trace, names_[i]), other_data(i), trace_window_,
        ThreadSelection("--trace-threads", options_.threads), labels_[i]);
  if (drawn_[i]) {
    r->picture =
        std::make_unique<StreamedOutput>("--timeline", with_strategy(options_.timeline, names_[i]));
    r->timeline = std::make_unique<Timeline>(timeline_window_, timeline_window_option_,
                                             ThreadSelection("--trace-threads", options_.threads),
                                             title(i), labels_[i]);
  }
  r->both.add(r->trace.get());
  r->both.add(r->timeline.get());
  recorders_[i] = std::move(r);
  return &recorders_[i]->both;
}

void Recording::finish(std::size_t i, const RunResult& result) {
  Recorders* r = recorders_[i].get();
  if (r == nullptr) return;
  if (result.strategy != labels_[i])
    throw std::logic_error("Recording::finish: runs finished out of order");
  if (r->trace) r->trace->finish(result.wall);
  if (r->timeline) {
    r->timeline->finish(result.wall);
    r->picture->write(r->timeline->svg());
    r->picture->close();
    r->timeline.reset();  // its slices are in the file now
  }
}

void Recording::commit() {
  for (auto& r : recorders_) {
    if (!r) continue;
    if (r->trace) r->trace->commit();
    if (r->picture) r->picture->commit();
  }
}

}  // namespace gilsim
