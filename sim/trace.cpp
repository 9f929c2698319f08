// Chrome Trace Event JSON, streamed (see trace.hpp). Each event is formatted straight into the
// output's fixed buffer: no allocation per event. Slices are written when they end, so the file
// is not in time order; viewers sort it.
#include "trace.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "gilsim/error.hpp"
#include "states.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

// A time in the trace's unit: microseconds, with the nanoseconds as up to three decimals.
struct Micros {
  Nanos t;
};

std::string quote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const std::string& quoted_label(ThreadState s) {
  static const auto labels = [] {
    std::array<std::string, kThreadStates + 1> all;
    for (std::size_t i = 0; i < all.size(); ++i)
      all[i] = quote(state_style(static_cast<ThreadState>(i)).label);
    return all;
  }();
  return labels[static_cast<std::size_t>(s)];
}

}  // namespace

}  // namespace gilsim

template <>
struct fmt::formatter<gilsim::Micros> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  template <typename Context>
  auto format(gilsim::Micros m, Context& ctx) const {
    const auto us = m.t / 1000;
    const auto ns = m.t % 1000;
    if (ns == 0) return fmt::format_to(ctx.out(), "{}", us);
    if (ns % 100 == 0) return fmt::format_to(ctx.out(), "{}.{}", us, ns / 100);
    if (ns % 10 == 0) return fmt::format_to(ctx.out(), "{}.{:02}", us, ns / 10);
    return fmt::format_to(ctx.out(), "{}.{:03}", us, ns);
  }
};

namespace gilsim {

TraceWriter::TraceWriter(const std::string& path, std::string_view other_data, Window window,
                         ThreadSelection threads, std::string run)
    : out_("--trace", path), window_(window), selection_(std::move(threads)), run_(std::move(run)) {
  processes_.reserve(16);
  threads_.reserve(256);
  gils_.reserve(16);
  // displayTimeUnit and otherData first: viewers look for them near the start.
  out_.print(R"({{"displayTimeUnit":"ns","otherData":{},"traceEvents":[)", other_data);
}

void TraceWriter::begin_event() {
  out_.write(first_event_ ? "\n" : ",\n");
  first_event_ = false;
}

void TraceWriter::process_created(Pid p, std::string_view name, Nanos at) {
  advance(at);
  if (processes_.size() <= static_cast<std::size_t>(p)) processes_.resize(p + 1);
  processes_[p].name = name;
  processes_[p].quoted_name = quote(name);
}

void TraceWriter::thread_created(Tid t, Pid p, std::string_view name, Nanos at) {
  advance(at);
  if (threads_.size() <= static_cast<std::size_t>(t)) threads_.resize(t + 1);
  Thread& th = threads_[t];
  th.quoted_name = quote(name);
  th.process = p;
  th.shown = selection_.admit(processes_[p].name, name);
  if (processes_[p].pid == 0) {  // its main thread: the process takes its id
    processes_[p].pid = tid_of(t);
    name_process(p);
  }
}

void TraceWriter::name_process(Pid p) {
  const Process& process = processes_[p];
  begin_event();
  out_.print(R"({{"ph":"M","name":"process_name","pid":{},"tid":{},"args":{{"name":{}}}}})",
             process.pid, process.pid, process.quoted_name);
  begin_event();
  out_.print(
      R"({{"ph":"M","name":"process_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
      process.pid, process.pid, p);
}

void TraceWriter::name_thread(Tid t) {
  Thread& th = threads_[t];
  if (th.named) return;
  th.named = true;
  begin_event();
  out_.print(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":{}}}}})",
             pid_of(t), tid_of(t), th.quoted_name);
  begin_event();
  out_.print(
      R"({{"ph":"M","name":"thread_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
      pid_of(t), tid_of(t), t);
}

TraceWriter::GilTrack& TraceWriter::track(GilId g) {
  if (gils_.size() <= static_cast<std::size_t>(g)) gils_.resize(g + 1);
  GilTrack& track = gils_[g];
  if (track.name.empty()) {
    const int ordinal = history_.gils()[g].ordinal;
    track.name =
        ordinal == 0 ? std::string("GIL") : fmt::format("GIL of subinterpreter {}", ordinal);
  }
  return track;
}

void TraceWriter::name_gil(GilId g) {
  GilTrack& track = gils_[g];
  if (track.named) return;
  track.named = true;
  const int pid = gil_pid(g);
  begin_event();
  out_.print(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"{}"}}}})", pid,
             kGilTidBase + g, track.name);
  begin_event();  // above the process's threads
  out_.print(
      R"({{"ph":"M","name":"thread_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
      pid, kGilTidBase + g, history_.gils()[g].ordinal - 1000);
}

// A complete slice, clipped to the window; nothing if nothing of it is inside.
void TraceWriter::slice(int pid, int tid, std::string_view quoted_name, std::string_view cname,
                        Nanos from, Nanos to) {
  from = std::max(from, window_.from);
  to = std::min(to, window_.to);
  if (to <= from) return;
  begin_event();
  if (cname.empty())
    out_.print(R"({{"ph":"X","cat":"gil","name":{},"pid":{},"tid":{},"ts":{},"dur":{}}})",
               quoted_name, pid, tid, Micros{from}, Micros{to - from});
  else
    out_.print(
        R"({{"ph":"X","cat":"state","name":{},"cname":"{}","pid":{},"tid":{},"ts":{},"dur":{}}})",
        quoted_name, cname, pid, tid, Micros{from}, Micros{to - from});
}

bool TraceWriter::visible(Nanos from, Nanos to) const {
  return std::min(to, window_.to) > std::max(from, window_.from);
}

void TraceWriter::state_changed(Tid t, ThreadState s, Nanos at) {
  advance(at);
  Thread& th = threads_[t];
  if (th.shown && th.state != ThreadState::exited && visible(th.since, at)) {
    name_thread(t);
    slice(pid_of(t), tid_of(t), quoted_label(th.state), state_style(th.state).cname, th.since, at);
  }
  const bool was_runnable = th.state == ThreadState::runnable;
  if (was_runnable != (s == ThreadState::runnable)) {
    runnable_ += was_runnable ? -1 : 1;
    runnable_since_ = at;  // written once every change at this time is in
  }
  th.state = s;
  th.since = at;
}

void TraceWriter::gil_taken(GilId g, Tid last, Tid taker, Nanos at) {
  advance(at);
  if (const auto handoff = history_.take(g, threads_[taker].process, last, taker, at))
    flow(*handoff);
  track(g);
  gil_counter(g, at);
}

void TraceWriter::gil_released(GilId g, Tid holder, Nanos at) {
  advance(at);
  const auto holding = history_.release(g, threads_[holder].process, holder, at);
  if (holding && visible(holding->from, holding->to)) {
    name_gil(g);
    slice(gil_pid(g), kGilTidBase + g, threads_[holding->holder].quoted_name, {}, holding->from,
          holding->to);
  }
  track(g);
  gil_counter(g, at);
}

// A flow arrow from the dropper's track when it dropped to the taker's when it took.
void TraceWriter::flow(const GilHistory::Handoff& handoff) {
  const auto [from, dropped, to, taken] = handoff;
  if (!threads_[from].shown || !threads_[to].shown) return;
  if (!window_.contains(dropped) || !window_.contains(taken)) return;
  name_thread(from);
  name_thread(to);
  ++flows_;
  begin_event();
  out_.print(R"({{"ph":"s","cat":"gil","name":"GIL hand-off","id":{},"pid":{},"tid":{},"ts":{}}})",
             flows_, pid_of(from), tid_of(from), Micros{dropped});
  begin_event();
  out_.print(
      R"({{"ph":"f","bp":"e","cat":"gil","name":"GIL hand-off","id":{},"pid":{},"tid":{},"ts":{}}})",
      flows_, pid_of(to), tid_of(to), Micros{taken});
}

void TraceWriter::drop_requested(GilId, Tid requester, Tid holder, Nanos at) {
  advance(at);
  if (!threads_[requester].shown || !window_.contains(at)) return;
  name_thread(requester);
  begin_event();
  out_.print(
      R"({{"ph":"i","s":"t","cat":"gil","name":"GIL drop request","pid":{},"tid":{},"ts":{},"args":{{"holder":{}}}}})",
      pid_of(requester), tid_of(requester), Micros{at},
      holder >= 0 ? std::string_view(threads_[holder].quoted_name) : "null");
}

void TraceWriter::forced_switch(GilId, Tid t, Nanos at) {
  advance(at);
  if (!threads_[t].shown || !window_.contains(at)) return;
  name_thread(t);
  begin_event();
  out_.print(R"({{"ph":"i","s":"t","cat":"gil","name":"Forced switch","pid":{},"tid":{},"ts":{}}})",
             pid_of(t), tid_of(t), Micros{at});
}

void TraceWriter::gil_counter(GilId g, Nanos at) {
  if (!window_.contains(at)) return;
  const int pid = gil_pid(g);
  const Tid holder = history_.gils()[g].holder;
  begin_event();
  out_.print(R"({{"ph":"C","name":"{}","pid":{},"tid":{},"ts":{},"args":{{"holder tid":{}}}}})",
             gils_[g].name, pid, pid, Micros{at}, holder >= 0 ? tid_of(holder) : 0);
}

// Machine-wide, on the main process (the first one).
void TraceWriter::runnable_counter(Nanos at) {
  if (processes_.empty() || processes_[0].pid == 0 || !window_.contains(at)) return;
  if (runnable_ == runnable_shown_) return;
  runnable_shown_ = runnable_;
  const int pid = processes_[0].pid;
  begin_event();
  out_.print(
      R"({{"ph":"C","name":"Runnable threads","pid":{},"tid":{},"ts":{},"args":{{"count":{}}}}})",
      pid, pid, Micros{at}, runnable_);
}

// Called first by every observation: on entering the window the counters get their values as
// of its start; the runnable count is written once all changes at one time are in.
void TraceWriter::advance(Nanos at) {
  if (!counters_primed_ && at >= window_.from) {
    counters_primed_ = true;
    if (window_.from > 0) {
      for (GilId g = 0; g < static_cast<GilId>(gils_.size()); ++g)
        if (!gils_[g].name.empty()) gil_counter(g, window_.from);
      runnable_counter(window_.from);
      runnable_since_ = -1;
    }
  }
  if (runnable_since_ >= 0 && at != runnable_since_) {
    runnable_counter(runnable_since_);
    runnable_since_ = -1;
  }
}

void TraceWriter::finish(Nanos end) {
  check_reaches(window_, "--trace-window", run_, end);
  for (Tid t = 0; t < static_cast<Tid>(threads_.size()); ++t)
    if (threads_[t].state != ThreadState::exited) state_changed(t, ThreadState::exited, end);
  for (GilId g = 0; g < static_cast<GilId>(history_.gils().size()); ++g)
    if (const Tid holder = history_.gils()[g].holder; holder >= 0) gil_released(g, holder, end);
  advance(end);
  if (runnable_since_ >= 0) runnable_counter(runnable_since_);
  runnable_since_ = -1;
  out_.write("\n]}\n");
  selection_.check(run_);
  out_.close();
}

}  // namespace gilsim
