// Subscribers to the observation stream: the fan-out that lets several listen to one run, and
// the breakdown every report needs (per thread, time in each state; GIL counters; latencies).
#pragma once

#include <vector>

#include "gilsim/result.hpp"

namespace gilsim {

class FanOut : public Observer {
 public:
  void add(Observer* o) { if (o != nullptr) observers_.push_back(o); }
  void process_created(Pid p, std::string_view name, Nanos at) override;
  void thread_created(Tid t, Pid p, std::string_view name, Nanos at) override;
  void state_changed(Tid t, ThreadState s, Nanos at) override;
  void gil_taken(GilId g, Tid last, Tid taker, Nanos at) override;
  void gil_released(GilId g, Tid holder, Nanos at) override;
  void drop_requested(GilId g, Tid requester, Tid holder, Nanos at) override;
  void forced_switch(GilId g, Tid t, Nanos at) override;
  void op_finished(Tid t, OpKind kind, Nanos started, Nanos finished) override;
  void task_finished(std::int64_t task, Nanos submitted, Nanos finished) override;

 private:
  std::vector<Observer*> observers_;
};

class Breakdown : public Observer {
 public:
  explicit Breakdown(std::size_t tasks);
  void process_created(Pid p, std::string_view name, Nanos at) override;
  void thread_created(Tid t, Pid p, std::string_view name, Nanos at) override;
  void state_changed(Tid t, ThreadState s, Nanos at) override;
  void gil_taken(GilId g, Tid last, Tid taker, Nanos at) override;
  void drop_requested(GilId g, Tid requester, Tid holder, Nanos at) override;
  void forced_switch(GilId g, Tid t, Nanos at) override;
  void op_finished(Tid t, OpKind kind, Nanos started, Nanos finished) override;
  void task_finished(std::int64_t task, Nanos submitted, Nanos finished) override;

  // Fills the result's threads, counters and latencies; wall is the last thread's exit.
  void summarise(RunResult& result);

 private:
  struct Live {
    ThreadState state = ThreadState::exited;
    Nanos since = 0;
  };
  std::vector<std::string> processes_;
  std::vector<ThreadSummary> threads_;
  std::vector<Live> live_;
  std::vector<Nanos> latencies_;
  std::uint64_t handoffs_ = 0;
  std::uint64_t forced_switches_ = 0;
  std::uint64_t drop_requests_ = 0;
};

}  // namespace gilsim
