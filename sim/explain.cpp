// The words come from the numbers: every share is of the threads' time with work to do (their
// lifetimes less the time idle in a pool or a join), every "would" is a simulation that ran.
// A ladder of changes (x2, x3, x5, x10) is tried largest step first; only if that one changes
// the winner are the smaller steps tried, smallest first, so a knob that cannot matter costs one
// re-simulation.
#include "explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "gilsim/error.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "simulate.hpp"
#include "units.hpp"
#include "variants.hpp"

namespace gilsim {

namespace {

struct Phrase {
  ThreadState state;
  const char* words;
};
// The states with work to do, as the explanation names them.
constexpr std::array<Phrase, 10> kPhrases = {{
    {ThreadState::python, "running Python"},
    {ThreadState::native, "running native code"},
    {ThreadState::gil_wait, "waiting for the GIL"},
    {ThreadState::lock_wait, "waiting for a lock"},
    {ThreadState::runnable, "runnable without a core"},
    {ThreadState::io, "blocked on I/O"},
    {ThreadState::ipc, "pickling and IPC"},
    {ThreadState::startup, "starting up"},
    {ThreadState::overhead, "interpreter overhead"},
    {ThreadState::kernel, "in the kernel waking threads"},
}};

std::string percent(double x) { return fmt::format("{:.1f}%", 100 * x); }

// Time with work to do: every thread's lifetime less its idle time.
Nanos busy(const RunResult& r) {
  Nanos sum = 0;
  for (const auto& t : r.threads) sum += t.exited - t.created - t.in(ThreadState::idle);
  return sum;
}

double share(const RunResult& r, ThreadState s) {
  const Nanos whole = busy(r);
  return whole > 0 ? static_cast<double>(r.total(s)) / static_cast<double>(whole) : 0;
}

const char* words(ThreadState s) {
  for (const auto& p : kPhrases)
    if (p.state == s) return p.words;
  return "?";
}

// Every strategy of the scenario, and serial as the baseline of a workload.
RunReport compare(const Setup& setup, const MachineProfile& profile) {
  RunReport report;
  report.scenario = &setup.scenario;
  report.profile_name = profile.name;
  report.cores = setup.cores;
  for (const auto& strategy : setup.scenario.strategies) {
    report.results.push_back(simulate(setup.scenario, strategy, setup.cores, profile));
    if (strategy.kind == StrategyKind::serial) report.serial = report.results.back();
  }
  if (!report.serial && !setup.scenario.tasks.empty()) {
    report.serial = simulate(setup.scenario, StrategySpec{}, setup.cores, profile);
    report.results.push_back(*report.serial);  // explain always compares against serial
  }
  return report;
}

const RunResult& best(const RunReport& report) {
  return *std::min_element(report.results.begin(), report.results.end(),
                           [](const auto& a, const auto& b) { return a.wall < b.wall; });
}

const RunResult& runner_up(const RunReport& report) {
  const RunResult& winner = best(report);
  const RunResult* next = nullptr;
  for (const auto& r : report.results)
    if (&r != &winner && (next == nullptr || r.wall < next->wall)) next = &r;
  return *next;
}

// A lead under 1% is a tie: within what a real run's noise would swing either way.
constexpr double kClearLead = 1.01;

double lead(const RunReport& report) {
  return static_cast<double>(runner_up(report).wall) / static_cast<double>(best(report).wall);
}

std::optional<std::string> clear_winner(const RunReport& report) {
  if (lead(report) < kClearLead) return std::nullopt;
  return best(report).strategy;
}

// "1.83x" or "4.2%".
std::string lead_text(const RunReport& report) {
  const double ratio = lead(report);
  return ratio >= 1.1 ? fmt::format("{:.2f}x", ratio) : percent(ratio - 1);
}

// "1.83x faster than serial (...)" or "4.2% faster than threads (...)".
std::string margin(const RunReport& report) {
  const RunResult& winner = best(report);
  const RunResult* next = &runner_up(report);
  const std::string by = lead_text(report);
  return fmt::format("{} faster than {} ({} against {})", by, next->strategy,
                     format_duration(winner.wall), format_duration(next->wall));
}

// "serial and threads tie (400 ms against 401.676 ms)".
std::string tie(const RunReport& report) {
  return fmt::format("{} and {} tie ({} against {})", best(report).strategy,
                     runner_up(report).strategy, format_duration(best(report).wall),
                     format_duration(runner_up(report).wall));
}

std::string where_the_time_went(const RunResult& r) {
  std::vector<std::pair<double, ThreadState>> shares;
  for (const auto& p : kPhrases)
    if (share(r, p.state) >= 0.0005) shares.emplace_back(share(r, p.state), p.state);
  std::stable_sort(shares.begin(), shares.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [x, s] : shares)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", words(s), percent(x));
  return text;
}

// What the work itself is: the serial run's (or, with no serial run, this run's) time split
// between Python, native code and I/O.
struct Work {
  double python = 0, native = 0, io = 0;
};
Work work_of(const RunResult& r) {
  const double p = static_cast<double>(r.total(ThreadState::python));
  const double n = static_cast<double>(r.total(ThreadState::native));
  const double i = static_cast<double>(r.total(ThreadState::io));
  const double sum = p + n + i;
  return sum > 0 ? Work{p / sum, n / sum, i / sum} : Work{};
}

// How many I/O waits r can have in flight at once, in words.
std::string overlap(const RunResult& r) {
  switch (r.kind) {
    case StrategyKind::serial:
      return ", one wait after another: I/O-bound work run serially";
    case StrategyKind::asyncio:
      return ": I/O-bound, and the event loop overlaps the waits";
    case StrategyKind::processes:
      return fmt::format(": I/O-bound, with at most {} waits overlapping",
                         r.workers * r.threads_per_worker);
    default:
      return fmt::format(": I/O-bound, with at most {} waits overlapping", r.workers);
  }
}

std::string running_python(const RunResult& r, const std::string& x) {
  const int cores = std::min(r.workers, r.cores);
  switch (r.kind) {
    case StrategyKind::serial:
      return fmt::format("running Python {} of the time: CPU-bound Python on one core", x);
    case StrategyKind::asyncio:
      return fmt::format("the event loop runs Python {} of the time: CPU-bound on its one thread",
                         x);
    case StrategyKind::processes:
    case StrategyKind::subinterpreters:
      return fmt::format(
          "running Python {} of the time: CPU-bound, in {} {} with a GIL each, "
          "on up to {} cores",
          x, r.workers, r.kind == StrategyKind::processes ? "processes" : "interpreters", cores);
    case StrategyKind::free_threaded:
      return fmt::format("running Python {} of the time with no GIL: CPU-bound, on up to {} cores",
                         x, cores);
    default:
      return fmt::format(
          "running Python {} of the time: CPU-bound, and the GIL runs one "
          "thread's bytecode at a time",
          x);
  }
}

std::string waiting_for_the_gil(const Work& work, const std::string& x) {
  if (work.python >= 0.5)
    return fmt::format(
        "threads wait {} of the time for the GIL: CPU-bound Python ({} of the "
        "work), and only the thread holding the GIL runs bytecode",
        x, percent(work.python));
  if (work.io >= 0.5)
    return fmt::format(
        "threads wait {} of the time for the GIL: after each I/O a thread queues "
        "for the GIL behind one running Python (the convoy effect)",
        x);
  return fmt::format(
      "threads wait {} of the time for the GIL: the parts that hold it ({} of the "
      "work is Python) run one thread at a time",
      x, percent(work.python));
}

std::string bottleneck(const RunReport& report, const RunResult& r) {
  ThreadState top = ThreadState::python;
  for (const auto& p : kPhrases)
    if (share(r, p.state) > share(r, top)) top = p.state;
  const std::string x = percent(share(r, top));
  switch (top) {
    case ThreadState::gil_wait:
      return waiting_for_the_gil(work_of(report.serial ? *report.serial : r), x);
    case ThreadState::runnable:
      return fmt::format(
          "threads are runnable but without a core {} of the time: more of them "
          "want to run than the {} cores",
          x, r.cores);
    case ThreadState::io:
      return fmt::format("blocked on I/O {} of the time{}", x, overlap(r));
    case ThreadState::native:
      return fmt::format(
          "running native code {} of the time: compute in C, which threads run "
          "in parallel only where it releases the GIL",
          x);
    case ThreadState::lock_wait:
      return fmt::format("threads wait {} of the time for a lock on shared objects", x);
    case ThreadState::ipc:
      return fmt::format(
          "pickling and IPC take {} of the time: sending arguments and results "
          "between processes costs more than the work",
          x);
    case ThreadState::startup:
      return fmt::format(
          "starting up takes {} of the time: starting the workers costs a lot "
          "next to the work",
          x);
    case ThreadState::overhead:
      return fmt::format(
          "interpreter overhead takes {} of the time: per-task bookkeeping is "
          "large next to tasks this short",
          x);
    case ThreadState::kernel:
      return fmt::format(
          "the kernel takes {} of the time: threads wake each other so often that the "
          "wake-ups' CPU time adds up",
          x);
    default:
      return running_python(r, x);
  }
}

double life_share(const ThreadSummary& t, ThreadState s) {
  const Nanos life = t.exited - t.created;
  return life > 0 ? static_cast<double>(t.in(s)) / static_cast<double>(life) : 0;
}

// "running Python 99.3%, waiting for the GIL 0.7%": a thread's life, largest shares first.
std::string thread_shares(const ThreadSummary& t) {
  std::vector<std::pair<double, ThreadState>> shares;
  for (int i = 0; i < kThreadStates; ++i) {
    const auto s = static_cast<ThreadState>(i);
    if (life_share(t, s) >= 0.0005) shares.emplace_back(life_share(t, s), s);
  }
  std::stable_sort(shares.begin(), shares.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [x, s] : shares)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ",
                        s == ThreadState::idle ? "idle" : words(s), percent(x));
  return text;
}

std::string io_ops(const ThreadSummary& t) {
  const Nanos blocked = t.in(ThreadState::io) / t.io_ops;
  const Nanos latency = t.io_latency / t.io_ops;
  return fmt::format("its {} I/O ops take {} each: {} blocked, {} getting the GIL back", t.io_ops,
                     format_duration(latency), format_duration(blocked),
                     format_duration(latency - blocked));
}

// In a program, the thread that waits most says more than the average: the convoy's I/O
// thread waits for the GIL while the average is dominated by the spinner running Python.
std::optional<std::string> waiting_thread(const RunResult& r) {
  const ThreadSummary* worst = nullptr;
  auto waiting = [](const ThreadSummary& t) {
    return life_share(t, ThreadState::gil_wait) + life_share(t, ThreadState::lock_wait) +
           life_share(t, ThreadState::runnable);
  };
  for (const auto& t : r.threads)
    if (worst == nullptr || waiting(t) > waiting(*worst)) worst = &t;
  if (worst == nullptr || waiting(*worst) < 0.2) return std::nullopt;
  const ThreadSummary* runner = nullptr;
  for (const auto& t : r.threads)
    if (&t != worst &&
        (runner == nullptr || t.in(ThreadState::python) > runner->in(ThreadState::python)))
      runner = &t;
  const double gil = life_share(*worst, ThreadState::gil_wait);
  if (gil < 0.5 * waiting(*worst))
    return fmt::format("{} is runnable without a core or waits for a lock {} of its life",
                       worst->name, percent(waiting(*worst) - gil));
  std::string text = fmt::format("{} waits {} of its life for the GIL", worst->name, percent(gil));
  if (runner != nullptr && life_share(*runner, ThreadState::python) >= 0.5)
    text += fmt::format(": {} behind {}, which runs Python {} of its life",
                        worst->io_ops > 0 ? "after each I/O it queues for the GIL" : "it queues",
                        runner->name, percent(life_share(*runner, ThreadState::python)));
  if (worst->io_ops > 0) text += " (the convoy effect)";
  return text;
}

std::string strategy_section(const RunReport& report, const RunResult& r) {
  const bool program = !report.scenario->program.empty();
  std::string out = fmt::format("{}", r.strategy);
  if (r.kind != StrategyKind::serial && r.workers > 1)
    out += fmt::format(", {} {}", r.workers, program ? "threads" : "workers");
  out += fmt::format(": {}", format_duration(r.wall));
  if (report.serial && r.kind != StrategyKind::serial)
    out += fmt::format(", {:.2f}x serial", speedup(report, r));
  out += fmt::format(", CPU use {} of {} cores", percent(r.cpu_utilisation()), r.cores);
  if (r.tasks > 0)
    out += fmt::format(", task latency p50 {}, p99 {}", format_duration(r.task_latency_p50),
                       format_duration(r.task_latency_p99));
  out += fmt::format("\n  where the time went: {}\n", where_the_time_went(r));
  if (program) {
    out += "  per thread (share of its life):\n";
    for (const auto& t : r.threads) {
      out += fmt::format("    {}: {}", t.name, thread_shares(t));
      if (t.io_ops > 0) out += "; " + io_ops(t);
      out += "\n";
    }
  }
  const auto thread = program ? waiting_thread(r) : std::nullopt;
  out += fmt::format("  bottleneck: {}\n\n", thread ? *thread : bottleneck(report, r));
  return out;
}

struct Tried {
  Change change;
  std::optional<RunReport> report;  // none: the run did not finish
};

std::optional<RunReport> try_change(const Change& change, const Setup& base,
                                    const MachineProfile& profile) {
  const Setup changed = apply(change, base);
  try {
    RunReport report = compare(changed, profile);
    report.scenario = nullptr;  // `changed` goes; only the results are kept
    return report;
  } catch (const UserError&) {  // max_virtual_time: not an answer
    return std::nullopt;
  }
}

// Runs `job(i)` for i in [0, n) on up to as many host threads as there are cores: the
// simulations are independent, and each result lands in its own slot, so the order of the
// output does not depend on the host.
template <typename Job>
void in_parallel(std::size_t n, const Job& job) {
  const std::size_t threads =
      std::min<std::size_t>(n, std::max(1U, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) {
        try {
          job(i);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      }
    });
  for (auto& thread : pool) thread.join();
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
}

double size_of(const Change& c) {
  return std::abs(std::log(static_cast<double>(c.num) / static_cast<double>(c.den)));
}

// One ladder: its largest step first; if that changes the answer (another strategy wins by 1%
// or more, or the winner's lead falls under 1%), the smallest step that does. Returns the step
// and whether it changed the answer.
std::pair<Tried, bool> climb(const std::vector<Change>& ladder, const Setup& base,
                             const MachineProfile& profile,
                             const std::optional<std::string>& winner) {
  auto flips = [&](const std::optional<RunReport>& r) { return r && clear_winner(*r) != winner; };
  Tried largest{ladder.back(), try_change(ladder.back(), base, profile)};
  if (!flips(largest.report)) return {std::move(largest), false};
  for (std::size_t i = 0; i + 1 < ladder.size(); ++i) {
    Tried step{ladder[i], try_change(ladder[i], base, profile)};
    if (flips(step.report)) return {std::move(step), true};
  }
  return {std::move(largest), true};
}

// The first change of each ladder that changes the answer, if any.
std::string what_would_change(const Setup& base, const MachineProfile& profile,
                              const RunReport& baseline) {
  const auto winner = clear_winner(baseline);
  const auto all = ladders(base);
  std::vector<std::pair<Tried, bool>> climbed(all.size());
  in_parallel(all.size(),
              [&](std::size_t i) { climbed[i] = climb(all[i], base, profile, winner); });
  std::vector<const Tried*> found, held;
  for (const auto& [tried, flipped] : climbed) (flipped ? found : held).push_back(&tried);
  std::stable_sort(found.begin(), found.end(), [](const Tried* a, const Tried* b) {
    return size_of(a->change) < size_of(b->change);
  });
  std::string out =
      fmt::format("\nwhat would {} (re-simulated; the smallest tried change first):\n",
                  winner ? "change the answer" : "make one strategy win by 1% or more");
  for (const Tried* t : found)
    out += clear_winner(*t->report)
               ? fmt::format("  with {}, {} would win, {}\n", describe(t->change, base),
                             best(*t->report).strategy, margin(*t->report))
               : fmt::format("  with {}, {} would no longer win: {}\n", describe(t->change, base),
                             *winner, tie(*t->report));
  if (found.empty()) out += "  none of the changes tried\n";
  if (!held.empty())
    out += winner ? fmt::format("  {} still wins with the largest change tried of:\n", *winner)
                  : "  still no strategy wins by 1% or more with the largest change tried of:\n";
  for (const Tried* t : held)
    out += fmt::format(
        "    {}: {}\n", describe(t->change, base),
        t->report ? fmt::format("{} ahead by {}", best(*t->report).strategy, lead_text(*t->report))
                  : "did not finish");
  return out;
}

// A program runs as written: no other strategy to win, so show how its wall time and its I/O
// latency respond to each knob's first step.
std::string how_it_responds(const Setup& base, const MachineProfile& profile,
                            const RunResult& baseline) {
  auto io_latency = [](const RunResult& r) {
    std::int64_t ops = 0;
    Nanos total = 0;
    for (const auto& t : r.threads) {
      ops += t.io_ops;
      total += t.io_latency;
    }
    return ops > 0 ? std::optional<Nanos>(total / ops) : std::nullopt;
  };
  const auto all = ladders(base);
  std::vector<std::optional<RunReport>> changed(all.size());
  in_parallel(all.size(), [&](std::size_t i) {
    if (!all[i].empty()) changed[i] = try_change(all[i].front(), base, profile);
  });
  std::string out = "how the run responds (re-simulated):\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].empty()) continue;
    out += fmt::format("  with {}: ", describe(all[i].front(), base));
    if (!changed[i]) {
      out += "does not finish\n";
      continue;
    }
    const RunResult& r = changed[i]->results.front();
    out +=
        fmt::format("wall {} ({:+.1f}%)", format_duration(r.wall),
                    100.0 * (static_cast<double>(r.wall) / static_cast<double>(baseline.wall) - 1));
    if (const auto latency = io_latency(r))
      out += fmt::format(", an I/O op takes {} with the GIL back", format_duration(*latency));
    out += "\n";
  }
  return out;
}

}  // namespace

std::string explain(const Scenario& scenario, const MachineProfile& profile, int cores) {
  const Setup base{scenario, cores};
  const RunReport report = compare(base, profile);
  std::string out = scenario.description.empty()
                        ? scenario.name + "\n"
                        : fmt::format("{}: {}\n", scenario.name, scenario.description);
  out += fmt::format("machine: {} cores, Python {}, profile {}, switch interval {}, seed {}\n",
                     cores, to_string(scenario.python), profile.name,
                     format_duration(scenario.switch_interval), scenario.seed);
  out +=
      "shares are of the threads' time with work to do (idle time in pools and joins left "
      "out)\n\n";
  for (const auto& r : report.results) out += strategy_section(report, r);
  if (report.results.size() == 1)
    return out + how_it_responds(base, profile, report.results.front());
  if (clear_winner(report))
    out += fmt::format("winner: {}, {}\n", best(report).strategy, margin(report));
  else
    out += fmt::format("winner: none by 1% or more: {}\n", tie(report));
  return out + what_would_change(base, profile, report);
}

}  // namespace gilsim
