#include "observe.hpp"

#include <algorithm>

namespace gilsim {

void FanOut::process_created(Pid p, std::string_view name, Nanos at) {
  for (auto* o : observers_) o->process_created(p, name, at);
}
void FanOut::thread_created(Tid t, Pid p, std::string_view name, Nanos at) {
  for (auto* o : observers_) o->thread_created(t, p, name, at);
}
void FanOut::state_changed(Tid t, ThreadState s, Nanos at) {
  for (auto* o : observers_) o->state_changed(t, s, at);
}
void FanOut::gil_taken(GilId g, Tid last, Tid taker, Nanos at) {
  for (auto* o : observers_) o->gil_taken(g, last, taker, at);
}
void FanOut::gil_released(GilId g, Tid holder, Nanos at) {
  for (auto* o : observers_) o->gil_released(g, holder, at);
}
void FanOut::drop_requested(GilId g, Tid requester, Tid holder, Nanos at) {
  for (auto* o : observers_) o->drop_requested(g, requester, holder, at);
}
void FanOut::forced_switch(GilId g, Tid t, Nanos at) {
  for (auto* o : observers_) o->forced_switch(g, t, at);
}
void FanOut::op_finished(Tid t, OpKind kind, Nanos started, Nanos finished) {
  for (auto* o : observers_) o->op_finished(t, kind, started, finished);
}
void FanOut::task_finished(std::int64_t task, Nanos submitted, Nanos finished) {
  for (auto* o : observers_) o->task_finished(task, submitted, finished);
}

Breakdown::Breakdown(std::size_t tasks) {
  latencies_.reserve(tasks);
  threads_.reserve(64);
  live_.reserve(64);
}

void Breakdown::process_created(Pid p, std::string_view name, Nanos) {
  processes_.resize(std::max(processes_.size(), static_cast<std::size_t>(p) + 1));
  processes_[static_cast<std::size_t>(p)] = name;
}

void Breakdown::thread_created(Tid t, Pid p, std::string_view name, Nanos at) {
  threads_.resize(std::max(threads_.size(), static_cast<std::size_t>(t) + 1));
  live_.resize(threads_.size());
  threads_[static_cast<std::size_t>(t)].name = name;
  threads_[static_cast<std::size_t>(t)].pid = p;
  threads_[static_cast<std::size_t>(t)].created = at;
  live_[static_cast<std::size_t>(t)] = {ThreadState::exited, at};
}

void Breakdown::state_changed(Tid t, ThreadState s, Nanos at) {
  Live& live = live_[static_cast<std::size_t>(t)];
  ThreadSummary& summary = threads_[static_cast<std::size_t>(t)];
  if (live.state != ThreadState::exited)
    summary.time[static_cast<std::size_t>(live.state)] += at - live.since;
  live = {s, at};
  if (s == ThreadState::exited) summary.exited = at;
}

void Breakdown::gil_taken(GilId, Tid last, Tid taker, Nanos) {
  if (last >= 0 && last != taker) ++handoffs_;
}
void Breakdown::drop_requested(GilId, Tid, Tid, Nanos) { ++drop_requests_; }
void Breakdown::forced_switch(GilId, Tid, Nanos) { ++forced_switches_; }

void Breakdown::op_finished(Tid t, OpKind kind, Nanos started, Nanos finished) {
  if (kind != OpKind::io) return;
  ThreadSummary& summary = threads_[static_cast<std::size_t>(t)];
  ++summary.io_ops;
  summary.io_latency += finished - started;
}

void Breakdown::task_finished(std::int64_t, Nanos submitted, Nanos finished) {
  latencies_.push_back(finished - submitted);
}

namespace {
// Nearest-rank percentile: the smallest value with at least q of the values at or below it.
Nanos percentile(std::vector<Nanos>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}
}  // namespace

void Breakdown::summarise(RunResult& result) {
  result.processes = processes_;
  result.threads = threads_;
  result.wall = 0;
  for (const auto& t : threads_) result.wall = std::max(result.wall, t.exited);
  result.gil_handoffs = handoffs_;
  result.forced_switches = forced_switches_;
  result.drop_requests = drop_requests_;
  result.tasks = static_cast<std::int64_t>(latencies_.size());
  std::sort(latencies_.begin(), latencies_.end());
  result.task_latency_p50 = percentile(latencies_, 0.50);
  result.task_latency_p99 = percentile(latencies_, 0.99);
}

}  // namespace gilsim
