// The kernel: `cores` CPUs, threads that are blocked, runnable or running, a run queue ordered
// by virtual runtime, time slices, wake-up latency, wake-up preemption, futex-style wait queues
// with timeouts. A simplified Linux scheduler (kernel/sched/fair.c: EEVDF slices, CFS's sleeper
// placement and wake-up preemption); docs/model.md lists the simplifications. Threads call these functions from their own fibers, like system calls.
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
  // clone(): a new thread of process `pid`, runnable at `at`, that runs `body` and exits.
  Tid start_thread(Pid pid, std::string_view name, Nanos at, std::function<void()> body);

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
    Nanos vruntime = 0;  // CPU time received, the fairness key (CFS)
    Nanos on_core_since = 0;
    Nanos slice_end = kNever;
    Nanos interrupt_at = kNever;
    bool preempt = false;   // a woken thread took this one's core
    bool notified = false;  // the last wait() ended by a notify
    bool queued_by_waker = false;  // notify_one put it on the run queue itself
    Nanos kernel_debt = 0;  // CPU time owed to the kernel (wake_cost), paid at its next compute
  };

  void resume(Tid t);
  void pay_kernel_debt(Tid t);
  void in_kernel(Tid t, Nanos work);
  bool acquire_core(Tid t, bool woken);
  void queue_for_core(Tid t, bool woken);
  Nanos wake_latency();
  void start_on_core(Tid t);
  void release_core(Tid t);
  void yield_core(Tid t);
  void enqueue(Tid t);
  void place(Tid t, bool woken);
  void preempt_for(Tid t);
  void arm_slices();
  Nanos vruntime_now(Tid t) const;
  Nanos min_vruntime() const;
  Nanos slice() const;
  void publish(Tid t);

  Engine& engine_;
  Observer& observer_;
  const MachineProfile& profile_;
  int cores_;
  Rng jitter_;
  std::vector<Nanos> idle_since_;  // one per free core: when it went idle (last freed last)
  Nanos sched_latency_;  // the profile's constants times the ncpu factor
  Nanos base_slice_;
  Nanos wakeup_granularity_;
  Nanos core_time_ = 0;
  std::deque<Thread> threads_;  // deque: a Thread& held across a wait survives new threads
  std::vector<Tid> running_;    // threads on a core
  std::vector<Tid> run_queue_;  // runnable threads without a core, by vruntime, FIFO on ties
};

}  // namespace gilsim
