#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "result_row.hpp"
#include "scenario.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

constexpr std::array<const char*, kThreadStates> kStateHeadings = {
    "Python", "native", "GIL wait", "lock wait", "runnable", "I/O", "IPC", "start-up", "idle",
    "overhead", "kernel"};

Nanos lifetime(const RunResult& r) {
  Nanos sum = 0;
  for (const auto& t : r.threads) sum += t.exited - t.created;
  return sum;
}

double share(Nanos part, Nanos whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0;
}

std::string percent(double x) { return fmt::format("{:.1f}%", 100 * x); }

const RunResult& winner(const RunReport& report) {
  return *std::min_element(report.results.begin(), report.results.end(),
                           [](const auto& a, const auto& b) { return a.wall < b.wall; });
}

// Why the winner wins: what the serial run's one thread spent its time on (the nature of the
// work), and what the winner did with it, in the user's terms.
struct WorkMix {
  double io, native, python;
};

WorkMix work_mix(const RunReport& report) {
  const RunResult& base = *report.serial;
  const Nanos work = lifetime(base);
  return {share(base.total(ThreadState::io), work), share(base.total(ThreadState::native), work),
          share(base.total(ThreadState::python), work)};
}

const RunResult* threads_result(const RunReport& report) {
  for (const auto& r : report.results)
    if (r.kind == StrategyKind::threads) return &r;
  return nullptr;
}

std::string why_threads(const RunReport& report, const WorkMix& mix) {
  if (mix.io >= 0.5)
    return fmt::format("the work is mostly waiting on I/O ({}), and threads wait in parallel "
                       "while the GIL is released", percent(mix.io));
  if (mix.native >= 0.5)
    return fmt::format("most of the work is native code that releases the GIL ({}), which "
                       "threads run on {} cores at once", percent(mix.native), report.cores);
  return "threads overlap the I/O and native parts while the Python parts take turns on the GIL";
}

// What the GIL cost the threads strategy, when it is the reason another strategy wins.
std::string gil_cost(const RunReport& report) {
  const RunResult* threads = threads_result(report);
  if (threads == nullptr || gil_wait_share(*threads) <= 0.2) return "";
  return fmt::format("; threads serialise on the GIL and wait for it {} of their time",
                     percent(gil_wait_share(*threads)));
}

std::string why(const RunReport& report, const RunResult& best) {
  const WorkMix mix = work_mix(report);
  const double startup = share(best.total(ThreadState::startup), best.wall);
  switch (best.kind) {
    case StrategyKind::threads:
      return why_threads(report, mix);
    case StrategyKind::processes:
      if (best.threads_per_worker > 1)
        return fmt::format("each of {} worker processes waits on {} I/O calls at once with its "
                           "own thread pool and runs their Python ({} of the work) under its own "
                           "GIL{}", best.workers, best.threads_per_worker, percent(mix.python),
                           gil_cost(report));
      return fmt::format("{} of the work is Python, which {} worker processes run in parallel, "
                         "each with its own GIL ({} of the wall time went to starting them, {} "
                         "to pickling and pipes){}", percent(mix.python), best.workers,
                         percent(startup), percent(share(best.total(ThreadState::ipc), best.wall)),
                         gil_cost(report));
    case StrategyKind::asyncio:
      if (best.workers > 1)  // asyncio's workers are its default executor's: to_thread
        return fmt::format("one event loop overlaps the waiting ({} of the work) while the "
                           "default executor's threads run the work sent to_thread{}",
                           percent(mix.io), gil_cost(report));
      return fmt::format("the work is mostly waiting on I/O or other processes ({}), which one "
                         "event loop overlaps with no threads to start and no GIL to hand over",
                         percent(mix.io));
    case StrategyKind::free_threaded:
      return fmt::format("with no GIL, threads run Python ({} of the work) on {} cores at once, "
                         "even with slower bytecode{}", percent(mix.python), report.cores,
                         gil_cost(report));
    case StrategyKind::subinterpreters:
      return fmt::format("each worker's interpreter has its own GIL, so Python ({} of the work) "
                         "runs on {} cores in one process, without pipes between processes{}",
                         percent(mix.python), report.cores, gil_cost(report));
    default:
      if (const RunResult* threads = threads_result(report); threads && gil_wait_share(*threads) > 0.2)
        return fmt::format("CPU-bound Python ({} of the work): threads serialise on the GIL and "
                           "wait for it {} of their time ({} hand-offs)",
                           percent(mix.python), percent(gil_wait_share(*threads)),
                           threads->gil_handoffs);
      return "the others only add start-up, hand-off and pickling costs here";
  }
}

std::string describe_program(const RunResult& r) {
  std::string text = fmt::format("threads wait for the GIL {} of their time",
                                 percent(gil_wait_share(r)));
  for (const auto& t : r.threads)
    if (t.io_ops > 0)
      text += fmt::format("; {}'s {} I/O ops take {} each on average, {} of it blocked and "
                          "the rest getting the GIL back", t.name, t.io_ops,
                          format_duration(t.io_latency / t.io_ops),
                          format_duration(t.in(ThreadState::io) / t.io_ops));
  return text;
}

// "ForkProcess-1/MainThread" when there is more than one process, else just the thread's name.
std::string thread_label(const RunResult& r, const ThreadSummary& t) {
  if (r.processes.size() <= 1) return t.name;
  return fmt::format("{}/{}", r.processes[static_cast<std::size_t>(t.pid)], t.name);
}

// Where each thread's time went, in the states that some thread of this run spent time in.
std::string thread_table(const RunResult& r) {
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < kTimeStates.size(); ++i)
    if (r.total(kTimeStates[i]) > 0) shown.push_back(i);
  std::size_t width = 26;
  for (const auto& t : r.threads) width = std::max(width, thread_label(r, t).size() + 1);
  std::string out =
      fmt::format("\n{}: where each thread's time went (share of its lifetime)\n", r.strategy);
  out += fmt::format("{:<{}}", "thread", width);
  for (std::size_t i : shown) out += fmt::format(" {:>9}", kStateHeadings[i]);
  out += "\n";
  for (const auto& t : r.threads) {
    out += fmt::format("{:<{}}", thread_label(r, t), width);
    for (std::size_t i : shown)
      out += fmt::format(" {:>9}", percent(share(t.in(kTimeStates[i]), t.exited - t.created)));
    out += "\n";
  }
  return out;
}

std::optional<double> optional_speedup(const RunReport& report, const RunResult& r) {
  if (!report.serial) return std::nullopt;
  return speedup(report, r);
}

}  // namespace

double speedup(const RunReport& report, const RunResult& r) {
  return report.serial ? speedup_over(report.serial->wall, r.wall) : 0;
}

double gil_wait_share(const RunResult& r) {
  return share(r.total(ThreadState::gil_wait), lifetime(r));
}

// A strategy as the verdict names it: its label, and its pool size when another result has
// the same label ("threads (64 workers)").
std::string name_of(const RunReport& report, const RunResult& r) {
  for (const auto& other : report.results)
    if (&other != &r && other.strategy == r.strategy)
      return fmt::format("{} ({} workers)", r.strategy, r.workers);
  return r.strategy;
}

std::string verdict(const RunReport& report) {
  const RunResult& best = winner(report);
  if (!report.serial) return fmt::format("{}: {}.", best.strategy, describe_program(best));
  if (report.results.size() == 1)
    return fmt::format("{} takes {}.", best.strategy, format_duration(best.wall));
  const RunResult* runner_up = nullptr;
  for (const auto& r : report.results)
    if (&r != &best && (runner_up == nullptr || r.wall < runner_up->wall)) runner_up = &r;
  const double margin = share(runner_up->wall, best.wall);
  // Within 1 % the order is noise in any real measurement: call it a tie.
  if (margin < 1.01)
    return fmt::format("{} and {} tie ({} apart): {}.", name_of(report, best),
                       name_of(report, *runner_up),
                       percent(margin - 1), why(report, best));
  const std::string other = name_of(report, *runner_up);
  const std::string by = margin >= 1.1
                             ? fmt::format("{:.2f}x faster than {}", margin, other)
                             : fmt::format("{} faster than {}", percent(margin - 1), other);
  return fmt::format("{} wins, {}: {}.", name_of(report, best), by, why(report, best));
}

std::string format_table(const RunReport& report, bool per_thread) {
  const Scenario& s = *report.scenario;
  std::string out = fmt::format("{}: {}\n", s.name, s.description);
  out += fmt::format("machine: {} cores, Python {}, profile {}, switch interval {}, seed {}\n\n",
                     report.cores, to_string(s.python), report.profile_name,
                     format_duration(s.switch_interval), s.seed);
  std::size_t width = 10;
  for (const auto& r : report.results) width = std::max(width, r.strategy.size());
  out += fmt::format("{:<{}} {:>7} {:>12} {:>9} {:>8} {:>9} {:>10} {:>7} {:>12} {:>12}\n",
                     "strategy", width, "workers", "wall", "speed-up", "CPU use", "GIL wait",
                     "hand-offs", "forced", "latency p50", "latency p99");
  for (const auto& r : report.results) {
    const std::string up = report.serial ? fmt::format("{:.2f}x", speedup(report, r)) : "-";
    out += fmt::format("{:<{}} {:>7} {:>12} {:>9} {:>8} {:>9} {:>10} {:>7} {:>12} {:>12}\n",
                       r.strategy, width, r.workers, format_duration(r.wall), up,
                       percent(r.cpu_utilisation()), percent(gil_wait_share(r)), r.gil_handoffs,
                       r.forced_switches, r.tasks ? format_duration(r.task_latency_p50) : "-",
                       r.tasks ? format_duration(r.task_latency_p99) : "-");
  }
  if (per_thread)
    for (const auto& r : report.results) out += thread_table(r);
  out += fmt::format("\nverdict: {}\n", verdict(report));
  return out;
}

std::string format_json(const RunReport& report) {
  const Scenario& s = *report.scenario;
  nlohmann::ordered_json doc;
  doc["schema_version"] = 1;
  doc["gilsim_version"] = GILSIM_VERSION;
  doc["scenario"] = {{"name", s.name}, {"description", s.description},
                     {"content_hash", s.content_hash}, {"seed", s.seed}};
  doc["machine"] = {{"cores", report.cores}, {"python", to_string(s.python)},
                    {"profile", report.profile_name},
                    {"switch_interval_s", to_seconds(s.switch_interval)}};
  doc["results"] = nlohmann::ordered_json::array();
  for (const auto& r : report.results) {
    nlohmann::ordered_json j;
    const Row row = result_row(r, s.switch_interval, optional_speedup(report, r));
    for (std::size_t i = 0; i < row.size(); ++i) j[result_columns()[i].name] = row[i];
    j["threads"] = nlohmann::ordered_json::array();
    for (const auto& t : r.threads) {
      nlohmann::ordered_json tj;
      tj["name"] = t.name;
      tj["process"] = r.processes[static_cast<std::size_t>(t.pid)];
      tj["created_s"] = to_seconds(t.created);
      tj["exited_s"] = to_seconds(t.exited);
      for (std::size_t i = 0; i < kTimeStates.size(); ++i)
        tj[fmt::format("{}_s", kStateColumns[i])] = to_seconds(t.in(kTimeStates[i]));
      tj["io_ops"] = t.io_ops;
      tj["io_latency_mean_s"] = t.io_ops ? to_seconds(t.io_latency / t.io_ops) : 0.0;
      j["threads"].push_back(tj);
    }
    doc["results"].push_back(j);
  }
  doc["verdict"] = {{"winner", winner(report).strategy}, {"text", verdict(report)}};
  return doc.dump(2) + "\n";
}

std::string format_csv(const RunReport& report) {
  const Scenario& s = *report.scenario;
  std::string out = std::string(kProvenanceHeader) + csv_result_header() + "\n";
  const std::string provenance = csv_provenance(s.name, s.content_hash, s.seed);
  for (const auto& r : report.results) {
    out += provenance;
    out += csv_result_cells(result_row(r, s.switch_interval, optional_speedup(report, r)));
    out += "\n";
  }
  return out;
}

}  // namespace gilsim
