// The trace writer: one subscriber to the observation stream that streams Chrome Trace Event
// JSON (Perfetto, chrome://tracing) to disk while the simulation runs, in the form
// conventions.md ("Trace files") fixes:
// - a process track per simulated process and a thread track per thread, named by metadata
//   events; trace ids are Linux-like: tid = simulated tid + 1, and a process's pid is its main
//   thread's tid (Perfetto reserves 0 for the idle task and takes tid == pid as a main thread);
// - per thread, one complete slice ("X") per state, back to back, never overlapping;
// - per interpreter, a "GIL" track (tid 1000000 + GIL number) with a slice per holding, named
//   after the holder, and a "GIL holder tid" counter (0: free);
// - a machine-wide "Runnable threads" counter on the main process;
// - thread-scoped instants for drop requests (on the requester) and forced switches (on the
//   holder that drops); a flow arrow from the thread that dropped the GIL to the one that took
//   it, on every hand-off.
// Times are microseconds with the nanoseconds kept as decimals. Memory is one fixed buffer and a
// few words per thread and per GIL: a run of any length needs the same.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gil_history.hpp"
#include "gilsim/observer.hpp"
#include "output.hpp"
#include "scope.hpp"

namespace gilsim {

class TraceWriter : public Observer {
 public:
  // Opens the trace's temporary file (a UserError naming --trace if it cannot) and writes the
  // header; `other_data` is a JSON object saying what produced the trace, `run` names the run
  // in messages.
  TraceWriter(const std::string& path, std::string_view other_data, Window window,
              ThreadSelection threads, std::string run);

  void process_created(Pid p, std::string_view name, Nanos at) override;
  void thread_created(Tid t, Pid p, std::string_view name, Nanos at) override;
  void state_changed(Tid t, ThreadState s, Nanos at) override;
  void gil_taken(GilId g, Tid last, Tid taker, Nanos at) override;
  void gil_released(GilId g, Tid holder, Nanos at) override;
  void drop_requested(GilId g, Tid requester, Tid holder, Nanos at) override;
  void forced_switch(GilId g, Tid t, Nanos at) override;

  // Ends what is still open at `end`, closes the JSON document and the temporary file, and
  // checks --trace-window and --trace-threads against the run: UserErrors.
  void finish(Nanos end);
  // Renames the finished trace into place.
  void commit() { out_.commit(); }

  static constexpr int kGilTidBase = 1'000'000;

 private:
  struct Process {
    std::string name;
    std::string quoted_name;  // a JSON string, quotes included
    int pid = 0;              // 0 until its first (main) thread exists
    int gils = 0;
    bool named = false;
  };
  struct Thread {
    std::string quoted_name;
    Pid process = 0;
    bool shown = false;
    bool named = false;
    ThreadState state = ThreadState::exited;
    Nanos since = 0;
  };
  struct GilTrack {
    std::string name;  // "GIL", or "GIL of subinterpreter N"
    bool named = false;
  };

  int tid_of(Tid t) const { return t + 1; }
  int pid_of(Tid t) const { return processes_[threads_[t].process].pid; }
  int gil_pid(GilId g) const { return processes_[history_.gils()[g].process].pid; }
  GilTrack& track(GilId g);
  void name_process(Pid p);
  void name_thread(Tid t);
  void name_gil(GilId g);
  bool visible(Nanos from, Nanos to) const;
  void slice(int pid, int tid, std::string_view quoted_name, std::string_view cname, Nanos from,
             Nanos to);
  void flow(const GilHistory::Handoff& handoff);
  void gil_counter(GilId g, Nanos at);
  void runnable_counter(Nanos at);
  void advance(Nanos at);
  void begin_event();

  StreamedOutput out_;
  Window window_;
  ThreadSelection selection_;
  std::string run_;
  std::vector<Process> processes_;
  std::vector<Thread> threads_;
  GilHistory history_;
  std::vector<GilTrack> gils_;
  int runnable_ = 0;           // threads in the runnable state now
  int runnable_shown_ = -1;    // the counter's last value in the trace
  // Changes at this time are not in the trace yet (-1: none); 0 at first, so the counter
  // starts at 0 even in a run where no thread ever waits for a core.
  Nanos runnable_since_ = 0;
  bool counters_primed_ = false;
  bool first_event_ = true;
  std::uint64_t flows_ = 0;
};

}  // namespace gilsim
