// The kernel: `cores` CPUs, threads that are blocked, runnable or running, a run queue ordered
// by virtual runtime on each core, time slices, load balancing, wake-up latency, wake-up
// preemption, futex-style wait queues with timeouts. A simplified Linux scheduler
// (kernel/sched/fair.c: EEVDF slices, CFS's sleeper placement and wake-up preemption);
// docs/model.md lists the simplifications. Threads call these functions from their own
// fibers, like system calls.
#pragma once

#include <deque>
#include <functional>
#include <string_view>
#include <vector>

#include "draw.hpp"
#include "engine.hpp"
#include "gilsim/observer.hpp"
#include "gilsim/profile.hpp"

namespace gilsim {

// Threads blocked on one futex word (a condition variable, a lock, a queue), woken in FIFO order.
struct WaitQueue {
  std::vector<Tid> waiters;
};

class Os {
 public:
  // `jitter` draws the wake-up jitter (profile.wake_jitter).
  Os(Engine& engine, Observer& observer, const MachineProfile& profile, int cores,
     Rng jitter = Rng(0, 0));

  Nanos now() const { return engine_.now(); }
  int cores() const { return cores_; }
  Nanos core_time() const { return core_time_; }  // CPU time handed out so far, all cores

  Tid next_tid() const { return static_cast<Tid>(threads_.size()); }
  // A thread of process `pid` that exists from `at` and runs `body`, made before the
  // simulation runs: the program's first thread (and test rigs' threads).
  Tid start_thread(Pid pid, std::string_view name, Nanos at, std::function<void()> body);
  // clone() by the running thread: placed on a core at once (wake_up_new_task).
  Tid clone_thread(Pid pid, std::string_view name, std::function<void()> body);

  // What the thread is doing, for the observers; the OS adds "runnable" on its own.
  void set_activity(Tid t, ThreadState activity);

  // Runs `work` of CPU time on a core. An interruptible computation returns early, with the work
  // left, once an interrupt() is due; otherwise it returns 0 when the work is done.
  Nanos compute(Tid t, Nanos work, bool interruptible);
  // Asks thread t, if computing interruptibly, to return at `at` (the eval breaker).
  void interrupt(Tid t, Nanos at);
  void clear_interrupt(Tid t);

  // A blocking system call that returns after `duration` (read, recv, sleep).
  void block_for(Tid t, Nanos duration);
  // futex wait: blocks until notified or until `timeout` (kNever: no timeout) has passed.
  // Returns true if notified. Either way the thread is back on a core when it returns.
  bool wait(WaitQueue& queue, Tid t, Nanos timeout);
  void notify_one(WaitQueue& queue);
  void notify_all(WaitQueue& queue);

 private:
  enum class Cpu { runnable, running, blocked, exited };
  // A new thread is starting (clone, the wake-up of its first run) until it first asks for a
  // core; only then can it be runnable without one.
  struct Thread {
    ThreadState activity = ThreadState::startup;
    ThreadState published = ThreadState::exited;
    Cpu cpu = Cpu::blocked;
    int core = -1;          // the core it runs on, is queued on, or last ran on
    Nanos vruntime = 0;     // CPU time received, the fairness key (CFS), on its core's scale
    Nanos on_core_since = 0;
    Nanos left_core_at = 0;  // when it last stopped running: cache-hot for migration_cost
    bool ran = false;        // it has run (a thread that never ran is not cache-hot)
    Nanos slice_end = kNever;
    Nanos interrupt_at = kNever;
    Nanos balance_at = kNever;  // queued: the tick at which an idle core may pull it
    bool preempt = false;   // a woken thread took this one's core
    bool notified = false;  // the last wait() ended by a notify
    bool handed = false;    // a core is reserved for it, usable from run_at
    bool resumes = false;   // that core was idle: it pays resume_cost there
    Nanos run_at = 0;
    Nanos kernel_debt = 0;  // CPU time owed to the kernel (wake_cost), paid at its next compute
  };
  // One CPU with its own run queue (kernel/sched: struct rq).
  struct Core {
    Tid current = -1;          // running, or reserved for a thread about to run; -1: idle
    Nanos idle_since = 0;
    Nanos min_vruntime = 0;    // never decreases (cfs_rq->min_vruntime)
    std::vector<Tid> queue;    // runnable threads without a core, by vruntime, FIFO on ties
  };

  Tid spawn(Pid pid, std::string_view name, Nanos at, std::function<void(Tid)> body);
  void resume(Tid t);
  void pay_kernel_debt(Tid t);
  void in_kernel(Tid t, Nanos work);
  void acquire_core(Tid t);
  void wake_up(Tid t, bool woken);
  int idle_core_for(Tid t) const;
  int queue_core_for(Tid t) const;
  void queue_for_core(Tid t, bool woken);
  void wait_for_core(Tid t);
  void pull_to_idle_core(Tid t);
  Nanos wake_latency(int core);
  Nanos idle_exit(Nanos idle) const;
  void take_core(Tid t, int core);
  void start_on_core(Tid t);
  void release_core(Tid t);
  void hand_core(int core, Tid next);
  bool balance_newly_idle(int core);
  void arm_balance(Tid t);
  void yield_core(Tid t);
  bool due_to_yield(Tid t) const;
  void enqueue(Tid t, int core);
  void dequeue(Tid t);
  void move_to(Tid t, int core);
  void place(Tid t, bool woken);
  void preempt_for(Tid t);
  void arm_slices(int core);
  bool hot(Tid t) const;
  Nanos vruntime_now(Tid t) const;
  Nanos min_vruntime(int core);
  Nanos slice() const;
  void publish(Tid t);

  Engine& engine_;
  Observer& observer_;
  const MachineProfile& profile_;
  int cores_;
  Rng jitter_;
  Nanos sched_latency_;  // the profile's constants times the ncpu factor
  Nanos base_slice_;
  Nanos wakeup_granularity_;
  Nanos core_time_ = 0;
  std::deque<Thread> threads_;  // deque: a Thread& held across a wait survives new threads
  std::vector<Core> core_;
  std::vector<int> idle_;  // the idle cores, by when they went idle (the last: the latest)
  int queued_ = 0;         // threads in all run queues
};

}  // namespace gilsim
